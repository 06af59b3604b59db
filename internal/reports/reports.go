// Package reports is the one table of analytics reports that both the
// command line (`gitpulse analyze`) and the HTTP API of spec 002 answer:
// each report's name, whether it waits for the line-statistics pass, and
// the function that computes its body from a history view.
package reports

import (
	"slices"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/query"
	"github.com/gitpulse/gitpulse/internal/repourl"
)

// Report is one analytics question.
type Report struct {
	// Name is the report's name: the last element of its HTTP path and
	// the word `analyze` takes.
	Name string
	// NeedsStats makes the report wait for the line-statistics pass. The
	// others answer as soon as the commit metadata is read, saying
	// statsPending where line statistics would show (spec 002: summary,
	// commits, heatmap and contributors answer from the first pass; churn
	// is made of line statistics).
	NeedsStats bool
	// PersonalStats marks a report of statistics per person, which the
	// HTTP API serves only when its operator enables them (spec 002's
	// contributors carry none, for GDPR); the command line always answers
	// it.
	PersonalStats bool
	// Answer computes the report's body, the JSON the API returns.
	Answer func(v *analytics.View, req query.Request, info analytics.RepoInfo, now time.Time) any
}

// All are the reports, in the order the API lists them.
var All = []Report{
	{Name: "commits", Answer: func(v *analytics.View, req query.Request, _ analytics.RepoInfo, _ time.Time) any {
		return v.Commits(req.Filter, req.Page, req.Limit)
	}},
	{Name: "heatmap", Answer: func(v *analytics.View, req query.Request, _ analytics.RepoInfo, now time.Time) any {
		return analytics.HeatmapResponse{HeatmapData: v.Heatmap(req.Filter, req.TimePeriod, now)}
	}},
	{Name: "contributors", Answer: func(v *analytics.View, req query.Request, _ analytics.RepoInfo, _ time.Time) any {
		return analytics.ContributorsResponse{Contributors: v.Contributors(req.Filter)}
	}},
	{Name: "churn", NeedsStats: true, Answer: func(v *analytics.View, req query.Request, _ analytics.RepoInfo, _ time.Time) any {
		return analytics.ChurnResponse{ChurnData: v.ChurnWith(req.Filter, req.ChurnOptions())}
	}},
	{Name: "summary", Answer: func(v *analytics.View, _ query.Request, info analytics.RepoInfo, now time.Time) any {
		return analytics.SummaryResponse{Summary: v.Summary(info, now, false)}
	}},
	{Name: "full-data", Answer: func(v *analytics.View, req query.Request, _ analytics.RepoInfo, now time.Time) any {
		return v.FullData(req.Filter, req.Page, req.Limit, now)
	}},
	{Name: "activity", NeedsStats: true, Answer: func(v *analytics.View, req query.Request, _ analytics.RepoInfo, now time.Time) any {
		return analytics.ActivityResponse{Activity: v.Activity(req.Filter, req.TimePeriod, now)}
	}},
	{Name: "punchcard", Answer: func(v *analytics.View, req query.Request, _ analytics.RepoInfo, _ time.Time) any {
		return analytics.PunchcardResponse{Punchcard: v.Punchcard(req.Filter)}
	}},
	{Name: "authors", NeedsStats: true, PersonalStats: true, Answer: func(v *analytics.View, req query.Request, _ analytics.RepoInfo, _ time.Time) any {
		return v.Authors(req.Filter)
	}},
}

// Find returns the report called name.
func Find(name string) (Report, bool) {
	i := slices.IndexFunc(All, func(r Report) bool { return r.Name == name })
	if i < 0 {
		return Report{}, false
	}
	return All[i], true
}

// Info is what a summary says about repository r.
func Info(r repourl.Repo) analytics.RepoInfo {
	return analytics.RepoInfo{Name: r.Name, Owner: r.Owner, URL: r.URL, Platform: r.Platform}
}
