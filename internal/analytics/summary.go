package analytics

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Repository statuses, from the age of the last commit's author date.
const (
	StatusActive   = "active"   // at most ActiveDays old
	StatusInactive = "inactive" // at most InactiveDays old
	StatusArchived = "archived" // older
	StatusEmpty    = "empty"    // no commits at all
)

// Status thresholds, in days.
const (
	ActiveDays   = 30
	InactiveDays = 180
)

// Data sources of a summary.
const (
	SourceCache = "cache"
	SourceClone = "git-sparse-clone"
)

// Accuracies of a summary's creation date (SummaryMeta.CreatedDateAccuracy),
// and where it is read from (Created.Source).
const (
	AccuracyExact       = "exact"       // the history reaches a root commit
	AccuracyApproximate = "approximate" // the history is cut short (a shallow clone)
	CreatedFromGitLog   = "git-log"
)

const day24 = 24 * time.Hour

// RepoInfo names a repository as its URL does; the caller parses the URL.
type RepoInfo struct {
	Name, Owner, URL string
	// Platform is "github", "gitlab", "bitbucket" or "other".
	Platform string
}

// SummaryResponse is the body of /api/repositories/summary.
type SummaryResponse struct {
	Summary Summary `json:"summary"`
}

// Summary describes a repository as a whole.
type Summary struct {
	Repository Repository `json:"repository"`
	// Created, Age and LastCommit are nil (null) for a repository without
	// commits.
	Created    *Created    `json:"created"`
	Age        *Age        `json:"age"`
	LastCommit *LastCommit `json:"lastCommit"`
	Stats      RepoStats   `json:"stats"`
	Metadata   SummaryMeta `json:"metadata"`
}

// Repository identifies the repository summarised.
type Repository struct {
	Name          string `json:"name"`
	Owner         string `json:"owner"`
	URL           string `json:"url"`
	Platform      string `json:"platform"`
	DefaultBranch string `json:"defaultBranch,omitempty"`
}

// Created is when the repository's history starts.
type Created struct {
	// Date is the author date of the oldest root commit, in UTC (of the
	// oldest commit when the history has no root).
	Date time.Time `json:"date"`
	// Source is always CreatedFromGitLog.
	Source string `json:"source"`
}

// Age is the time since Created: Years whole years and Months more whole
// months.
type Age struct {
	Years  int `json:"years"`
	Months int `json:"months"`
	// Formatted is "2.5y" from a year on, "3mo" from a month, else "12d".
	Formatted string `json:"formatted"`
}

// LastCommit is the branch head.
type LastCommit struct {
	// Date is the author date, in UTC.
	Date time.Time `json:"date"`
	// RelativeTime is the age of Date: "just now", "5 minutes ago",
	// "1 day ago", "3 months ago", "2 years ago", or for a date ahead of
	// the clock "in 74 years (a date in the future)".
	RelativeTime string `json:"relativeTime"`
	SHA          string `json:"sha"`
	// Author is the mailmapped author name.
	Author string `json:"author"`
}

// RepoStats counts the history.
type RepoStats struct {
	// TotalCommits counts every commit of the branch, merges included.
	TotalCommits int `json:"totalCommits"`
	// Contributors counts the distinct mailmapped author names.
	Contributors int `json:"contributors"`
	// Status is StatusActive, StatusInactive, StatusArchived or
	// StatusEmpty.
	Status string `json:"status"`
}

// SummaryMeta says where a summary came from.
type SummaryMeta struct {
	Cached bool `json:"cached"`
	// DataSource is SourceCache or SourceClone.
	DataSource string `json:"dataSource"`
	// CreatedDateAccuracy is AccuracyExact when the history reaches a
	// root commit, AccuracyApproximate when it is cut short (a shallow
	// clone).
	CreatedDateAccuracy string `json:"createdDateAccuracy"`
	// LastUpdated is now, in UTC, to the second.
	LastUpdated time.Time `json:"lastUpdated"`
}

// Summary describes the repository as of now; cached says whether the
// answer is served from a cache.
func (v *View) Summary(info RepoInfo, now time.Time, cached bool) Summary {
	x := v.x
	now = now.UTC().Truncate(time.Second)
	s := Summary{
		Repository: Repository{Name: info.Name, Owner: info.Owner, URL: info.URL, Platform: info.Platform, DefaultBranch: x.Branch},
		Stats:      RepoStats{TotalCommits: x.Len(), Contributors: len(v.names), Status: StatusEmpty},
		Metadata:   SummaryMeta{Cached: cached, DataSource: SourceClone, CreatedDateAccuracy: AccuracyExact, LastUpdated: now},
	}
	if cached {
		s.Metadata.DataSource = SourceCache
	}
	if !v.exactCreated {
		s.Metadata.CreatedDateAccuracy = AccuracyApproximate
	}
	if x.Len() == 0 {
		return s
	}
	// The last commit is the newest one whose date git can read.
	newest := 0
	for newest < x.Len() && !x.DateKnown(newest) {
		newest++
	}
	if newest == x.Len() {
		s.Stats.Status = StatusArchived
		return s
	}
	created := utc(v.created)
	s.Created = &Created{Date: created, Source: CreatedFromGitLog}
	s.Age = age(created, now)
	last := utc(x.AuthorTime[newest])
	s.LastCommit = &LastCommit{
		Date:         last,
		RelativeTime: relativeTime(now.Sub(last)),
		SHA:          x.Hash(newest),
		Author:       x.Idents[x.Author[newest]].Name,
	}
	s.Stats.Status = status(now.Sub(last))
	return s
}

// status grades a repository by the age of its last commit.
func status(age time.Duration) string {
	switch {
	case age <= ActiveDays*day24:
		return StatusActive
	case age <= InactiveDays*day24:
		return StatusInactive
	default:
		return StatusArchived
	}
}

// age measures from created to now in calendar years and months.
func age(created, now time.Time) *Age {
	months := (now.Year()-created.Year())*12 + int(now.Month()-created.Month())
	if months > 0 && created.AddDate(0, months, 0).After(now) {
		months--
	}
	months = max(months, 0)
	a := &Age{Years: months / 12, Months: months % 12}
	switch {
	case a.Years > 0:
		years := math.Round(float64(months)/12*10) / 10
		a.Formatted = strconv.FormatFloat(years, 'f', -1, 64) + "y"
	case months > 0:
		a.Formatted = strconv.Itoa(months) + "mo"
	default:
		a.Formatted = strconv.Itoa(max(int(now.Sub(created)/day24), 0)) + "d"
	}
	return a
}

// relativeTime words the age of a date the way people say it. A date
// more than a minute ahead of now (a commit made with its clock set wrong)
// is said to be in the future, never "just now".
func relativeTime(d time.Duration) string {
	switch {
	case d <= -time.Minute:
		return "in " + span(-d) + " (a date in the future)"
	case d < time.Minute:
		return "just now"
	}
	return span(d) + " ago"
}

// span words a duration of a minute or more: "5 minutes", "1 year".
func span(d time.Duration) string {
	n, unit := int(d/(365*day24)), "year"
	switch {
	case d < time.Hour:
		n, unit = int(d/time.Minute), "minute"
	case d < day24:
		n, unit = int(d/time.Hour), "hour"
	case d < 30*day24:
		n, unit = int(d/day24), "day"
	case d < 365*day24:
		n, unit = int(d/(30*day24)), "month"
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("%d %s", n, unit)
}
