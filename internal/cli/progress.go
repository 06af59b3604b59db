package cli

import (
	"context"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/progress"
)

// progressBar shows a repository's preparation (clone, index passes) as a bar
// on a terminal, and nothing when standard error is not a terminal.
type progressBar struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	phase progress.Phase
	since string // the StatsSince the description shows
}

func newProgress(w io.Writer) *progressBar {
	if !isTerminal(w) {
		return &progressBar{}
	}
	return &progressBar{w: w}
}

var phaseNames = map[progress.Phase]string{
	progress.PhaseStart: "starting", progress.PhaseClone: "cloning", progress.PhaseFetch: "fetching",
	progress.PhaseComplete: "fetching file contents", progress.PhaseMetadata: "reading commits",
	progress.PhaseLineStats: "reading line statistics",
}

func (p *progressBar) show(st progress.Progress) {
	if p.w == nil || st.Phase == progress.PhaseDone || st.Phase == "" {
		return
	}
	if st.Phase != p.phase || p.bar == nil {
		p.finish()
		p.phase, p.since = st.Phase, ""
		total := int64(st.Total)
		if total <= 0 {
			total = -1 // a spinner until the total is known
		}
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(phaseNames[st.Phase]),
			progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
	}
	if st.StatsSince != p.since {
		p.since = st.StatsSince
		desc := phaseNames[st.Phase]
		if p.since != "" {
			desc += " (line statistics cover " + p.since + " .. now)"
		}
		p.bar.Describe(desc)
	}
	if st.Total > 0 && p.bar.GetMax64() != int64(st.Total) {
		p.bar.ChangeMax(st.Total)
	}
	_ = p.bar.Set(st.Done)
}

func (p *progressBar) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}

// watch runs wait while showing r's progress; r may be nil until known.
func watch[T any](ctx context.Context, p *progressBar, r *history.Repo, wait func() (T, error)) (T, error) {
	done := make(chan struct{})
	var v T
	var err error
	go func() {
		v, err = wait()
		close(done)
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return v, err
		case <-tick.C:
			if r != nil {
				p.show(r.Progress())
			}
		case <-ctx.Done():
			<-done
			return v, err
		}
	}
}
