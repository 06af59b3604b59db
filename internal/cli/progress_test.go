package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/progress"
)

// A step whose size is unknown (a clone: git does not say) shows a spinner
// with the elapsed time, not a bar stuck at "0% (0/1)"; a step with a
// known total shows a bar (issue 13, item 10).
func TestProgressSpinnerWhileTotalUnknown(t *testing.T) {
	var out bytes.Buffer
	p := &progressBar{w: &out}
	p.show(progress.Progress{Phase: progress.PhaseClone})
	time.Sleep(1100 * time.Millisecond)
	p.show(progress.Progress{Phase: progress.PhaseClone})
	spinner := out.String()
	if !strings.Contains(spinner, "cloning") || !strings.Contains(spinner, "[1s]") || strings.Contains(spinner, "%") {
		t.Errorf("unknown total rendered %q, want a spinner saying \"cloning\" with the elapsed time [1s] and no percentage", spinner)
	}
	out.Reset()
	p.show(progress.Progress{Phase: progress.PhaseMetadata, Done: 50, Total: 200})
	p.finish()
	if bar := out.String(); !strings.Contains(bar, "reading commits") || !strings.Contains(bar, "25%") {
		t.Errorf("known total rendered %q, want a bar at 25%%", bar)
	}
	out.Reset()
	p.show(progress.Progress{Phase: progress.PhaseLineStats, Done: 50, Total: 200, StatsSince: "2025-08-20T00:00:00Z"})
	p.finish()
	if bar := out.String(); !strings.Contains(bar, "line statistics cover 2025-08-20T00:00:00Z .. now") {
		t.Errorf("line statistics of the newest commits rendered %q, want the period they cover", bar)
	}
}
