package reports

import (
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/query"
)

// TestDates: activity without dates waits for line statistics of the
// year it reads, not of the whole history; reports without a default
// window wait for the request's own dates.
func TestDates(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	req := query.Request{Filter: analytics.Filter{Authors: []string{"a@x"}}}
	activity, _ := Find("activity")
	f := activity.Dates(req, now)
	if want := analytics.ActivityWindow(req.Filter, now); !f.From.Equal(want.From) || !f.To.Equal(want.To) || f.From.IsZero() {
		t.Errorf("activity reads %s..%s, want %s..%s", f.From, f.To, want.From, want.To)
	}
	if len(f.Authors) != 1 {
		t.Errorf("activity's window lost the filter's authors: %+v", f)
	}
	churn, _ := Find("churn")
	if f := churn.Dates(req, now); !f.From.IsZero() || !f.To.IsZero() {
		t.Errorf("churn reads %s..%s, want the request's (none)", f.From, f.To)
	}
}
