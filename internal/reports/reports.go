// Package reports is the one table of analytics reports that both the
// command line (`gitpulse analyze`) and the HTTP API of spec 002 answer:
// each report's name, whether it waits for the line-statistics pass, and
// the function that computes its body from a history view.
package reports

import (
	"reflect"
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
	// Window, if set, fills in the dates the report reads when the request
	// leaves them out (activity: the last DefaultHeatmapDays days), so
	// that a report waiting for line statistics waits only until they
	// cover those dates. Without it the request's own dates are read.
	Window func(f analytics.Filter, now time.Time) analytics.Filter
	// Answer computes the report's body, the JSON the API returns.
	Answer func(v *analytics.View, req query.Request, info analytics.RepoInfo, now time.Time) any
	// Body is the type of what Answer returns, from which the API's
	// OpenAPI document describes the body.
	Body reflect.Type
}

// report is r answering with answer, whose result type is r's Body.
func report[T any](r Report, answer func(v *analytics.View, req query.Request, info analytics.RepoInfo, now time.Time) T) Report {
	r.Answer = func(v *analytics.View, req query.Request, info analytics.RepoInfo, now time.Time) any {
		return answer(v, req, info, now)
	}
	r.Body = reflect.TypeFor[T]()
	return r
}

// All are the reports, in the order the API lists them.
var All = []Report{
	report(Report{Name: "commits"}, func(v *analytics.View, req query.Request, _ analytics.RepoInfo, _ time.Time) analytics.CommitsPage {
		return v.Commits(req.Filter, req.Page, req.Limit)
	}),
	report(Report{Name: "heatmap"}, func(v *analytics.View, req query.Request, _ analytics.RepoInfo, now time.Time) analytics.HeatmapResponse {
		return analytics.HeatmapResponse{HeatmapData: v.Heatmap(req.Filter, req.TimePeriod, now)}
	}),
	report(Report{Name: "contributors"}, func(v *analytics.View, req query.Request, _ analytics.RepoInfo, _ time.Time) analytics.ContributorsResponse {
		return analytics.ContributorsResponse{Contributors: v.Contributors(req.Filter)}
	}),
	report(Report{Name: "churn", NeedsStats: true}, func(v *analytics.View, req query.Request, _ analytics.RepoInfo, _ time.Time) analytics.ChurnResponse {
		return analytics.ChurnResponse{ChurnData: v.ChurnWith(req.Filter, req.ChurnOptions())}
	}),
	report(Report{Name: "summary"}, func(v *analytics.View, _ query.Request, info analytics.RepoInfo, now time.Time) analytics.SummaryResponse {
		return analytics.SummaryResponse{Summary: v.Summary(info, now, false)}
	}),
	report(Report{Name: "full-data"}, func(v *analytics.View, req query.Request, _ analytics.RepoInfo, now time.Time) analytics.FullData {
		return v.FullData(req.Filter, req.Page, req.Limit, now)
	}),
	report(Report{Name: "activity", NeedsStats: true, Window: analytics.ActivityWindow}, func(v *analytics.View, req query.Request, _ analytics.RepoInfo, now time.Time) analytics.ActivityResponse {
		return analytics.ActivityResponse{Activity: v.Activity(req.Filter, req.TimePeriod, now)}
	}),
	report(Report{Name: "punchcard"}, func(v *analytics.View, req query.Request, _ analytics.RepoInfo, _ time.Time) analytics.PunchcardResponse {
		return analytics.PunchcardResponse{Punchcard: v.Punchcard(req.Filter)}
	}),
	report(Report{Name: "authors", NeedsStats: true, PersonalStats: true}, func(v *analytics.View, req query.Request, _ analytics.RepoInfo, _ time.Time) analytics.AuthorsResponse {
		return v.Authors(req.Filter)
	}),
	report(Report{Name: "ownership", NeedsStats: true, PersonalStats: true}, func(v *analytics.View, req query.Request, _ analytics.RepoInfo, _ time.Time) analytics.OwnershipResponse {
		return analytics.OwnershipResponse{Ownership: v.Ownership(req.Filter, req.Depth)}
	}),
	report(Report{Name: "coupling", NeedsStats: true}, func(v *analytics.View, req query.Request, _ analytics.RepoInfo, _ time.Time) analytics.CouplingResponse {
		return analytics.CouplingResponse{Coupling: v.Coupling(req.Filter, req.CouplingOptions())}
	}),
}

// Dates returns the filter whose dates the report reads for req at now:
// req.Filter, with the report's default window filled in.
func (r Report) Dates(req query.Request, now time.Time) analytics.Filter {
	if r.Window == nil {
		return req.Filter
	}
	return r.Window(req.Filter, now)
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
