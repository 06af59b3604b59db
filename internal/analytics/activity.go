package analytics

import "time"

// ActivityResponse is the body of /api/repositories/activity.
type ActivityResponse struct {
	Activity ActivityData `json:"activity"`
}

// ActivityData is commit activity and code frequency over time, one point
// per bucket, over the same range and buckets as a heatmap.
type ActivityData struct {
	// TimePeriod is PeriodDay, PeriodWeek or PeriodMonth.
	TimePeriod string `json:"timePeriod"`
	// Data holds every bucket of the range, zeros included, by ascending
	// date; never nil.
	Data     []ActivityPoint `json:"data"`
	Metadata ActivityTotals  `json:"metadata"`
	// StatsPending reports that line statistics are still being indexed:
	// additions and deletions are zero until they are.
	StatsPending bool `json:"statsPending"`
}

// ActivityPoint is one bucket of activity.
type ActivityPoint struct {
	// Date is the bucket's first day (YYYY-MM-DD, UTC), as a heatmap's.
	Date    string `json:"date"`
	Commits int    `json:"commits"`
	// Additions and Deletions are the lines changed by the bucket's
	// non-merge commits (merges carry no diff).
	Additions int `json:"additions"`
	Deletions int `json:"deletions"`
	// Authors is the number of distinct author names in the bucket.
	Authors int `json:"authors"`
}

// ActivityTotals sums up the activity of the whole range.
type ActivityTotals struct {
	TotalCommits   int       `json:"totalCommits"`
	TotalAdditions int       `json:"totalAdditions"`
	TotalDeletions int       `json:"totalDeletions"`
	DateRange      DateRange `json:"dateRange"`
}

// Activity counts, per bucket of period, the commits matching f's authors
// and dates, their added and deleted lines and their distinct authors. The
// range and the buckets follow the same rules as Heatmap's; every bucket
// of the range is returned.
func (v *View) Activity(f Filter, period string, now time.Time) ActivityData {
	f = ActivityWindow(f, now)
	period = choosePeriod(period, f.From, f.To)
	a := ActivityData{
		TimePeriod:   period,
		Data:         []ActivityPoint{},
		Metadata:     ActivityTotals{DateRange: dateRange(f.From, f.To)},
		StatsPending: !v.stats,
	}
	if f.To.Before(f.From) {
		return a
	}
	bounds := bucketBounds(period, f.From, f.To)
	a.Data = make([]ActivityPoint, len(bounds)-1)
	q := v.compile(f)
	days := bucketDays(bounds[:len(bounds)-1])
	sums := v.sumBuckets(&q, f.Exclude, period, bounds, v.stats)
	for k := range a.Data {
		p := ActivityPoint{Date: days[k], Commits: sums.commits[k], Authors: sums.authors[k]}
		if v.stats {
			p.Additions, p.Deletions = sums.added[k], sums.deleted[k]
		}
		a.Data[k] = p
		a.Metadata.TotalCommits += p.Commits
		a.Metadata.TotalAdditions += p.Additions
		a.Metadata.TotalDeletions += p.Deletions
	}
	return a
}

// ActivityWindow returns f with the dates Activity reads: where f has
// none, the DefaultHeatmapDays days ending at now (or at f.To).
func ActivityWindow(f Filter, now time.Time) Filter {
	f.From, f.To = heatmapRange(f.From, f.To, now)
	return f
}
