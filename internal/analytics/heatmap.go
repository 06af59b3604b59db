package analytics

import "time"

// Heatmap periods: the span of one bucket.
const (
	PeriodDay   = "day"
	PeriodWeek  = "week"  // ISO week, Monday to Sunday
	PeriodMonth = "month" // calendar month
)

// Ranges up to these many days (both ends included) get day, then week
// buckets when the period is chosen automatically; longer ones get months.
const (
	maxDayRange  = 366
	maxWeekRange = 1096
)

const secondsPerDay = 24 * 60 * 60

// MaxHeatmapBuckets bounds the size of a heatmap: a period that would cut
// the range into more buckets is widened, from day to week to month.
const MaxHeatmapBuckets = 10000

// DefaultHeatmapDays is the length of the range a heatmap covers when the
// filter gives at most one of its ends.
const DefaultHeatmapDays = 365

// HeatmapResponse is the body of /api/repositories/heatmap.
type HeatmapResponse struct {
	HeatmapData HeatmapData `json:"heatmapData"`
}

// HeatmapData is commit activity over time, one point per bucket.
type HeatmapData struct {
	// TimePeriod is PeriodDay, PeriodWeek or PeriodMonth.
	TimePeriod string `json:"timePeriod"`
	// Data holds every bucket of the range, zeros included, by ascending
	// date; never nil.
	Data     []HeatmapPoint  `json:"data"`
	Metadata HeatmapMetadata `json:"metadata"`
}

// HeatmapPoint is one bucket of a heatmap.
type HeatmapPoint struct {
	// Date is the bucket's first day (YYYY-MM-DD, UTC): the day itself,
	// the Monday of the week or the first of the month.
	Date  string `json:"date"`
	Count int    `json:"count"`
	// Authors is the number of distinct author names in the bucket.
	Authors int `json:"authors"`
}

// HeatmapMetadata sums up a heatmap.
type HeatmapMetadata struct {
	// TotalCommits counts the commits in the range.
	TotalCommits int       `json:"totalCommits"`
	DateRange    DateRange `json:"dateRange"`
}

// DateRange is a span of days, YYYY-MM-DD in UTC, both ends included.
type DateRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Heatmap counts the commits matching f's authors and dates per bucket of
// period (PeriodDay, PeriodWeek or PeriodMonth; anything else chooses from
// the range's length: days up to 366 days, weeks up to 1096, months
// beyond; see also MaxHeatmapBuckets). The range is f.From to f.To; a
// missing end is now, and a missing start makes the range the
// DefaultHeatmapDays whole UTC days that end with the end's day. Every
// bucket of the range is returned.
func (v *View) Heatmap(f Filter, period string, now time.Time) HeatmapData {
	f.From, f.To = heatmapRange(f.From, f.To, now)
	period = choosePeriod(period, f.From, f.To)
	h := HeatmapData{
		TimePeriod: period,
		Data:       []HeatmapPoint{},
		Metadata:   HeatmapMetadata{DateRange: dateRange(f.From, f.To)},
	}
	if f.To.Before(f.From) {
		return h
	}
	bounds := bucketBounds(period, f.From, f.To)
	h.Data = make([]HeatmapPoint, len(bounds)-1)
	q := v.compile(f)
	days := bucketDays(bounds[:len(bounds)-1])
	sums := v.sumBuckets(&q, f.Exclude, period, bounds, false)
	for k := range h.Data {
		h.Data[k] = HeatmapPoint{Date: days[k], Count: sums.commits[k], Authors: sums.authors[k]}
		h.Metadata.TotalCommits += sums.commits[k]
	}
	return h
}

// heatmapRange fills in the missing ends of a heatmap range, in UTC.
func heatmapRange(from, to, now time.Time) (time.Time, time.Time) {
	if to.IsZero() {
		to = now
	}
	to = to.UTC()
	if from.IsZero() {
		from = startOfDay(to).AddDate(0, 0, 1-DefaultHeatmapDays)
	}
	return from.UTC(), to
}

func isPeriod(p string) bool {
	return p == PeriodDay || p == PeriodWeek || p == PeriodMonth
}

// choosePeriod returns the bucket size for a range: period if it is one
// and does not make more than MaxHeatmapBuckets buckets, else one chosen
// from the range's length in days, both ends included.
func choosePeriod(period string, from, to time.Time) string {
	days := (startOfDay(to).Unix()-startOfDay(from).Unix())/secondsPerDay + 1
	if !isPeriod(period) {
		switch {
		case days <= maxDayRange:
			return PeriodDay
		case days <= maxWeekRange:
			return PeriodWeek
		default:
			return PeriodMonth
		}
	}
	if period == PeriodDay && days > MaxHeatmapBuckets {
		period = PeriodWeek
	}
	if period == PeriodWeek && days/7 > MaxHeatmapBuckets {
		period = PeriodMonth
	}
	return period
}

// bucketBounds returns the Unix start times of the buckets covering
// [from, to], then the end of the last one.
func bucketBounds(period string, from, to time.Time) []int64 {
	start := startOfDay(from)
	step := int64(secondsPerDay)
	switch period {
	case PeriodWeek:
		start = start.AddDate(0, 0, -(int(start.Weekday())+6)%7)
		step *= 7
	case PeriodMonth:
		start = start.AddDate(0, 0, 1-start.Day())
		bounds := []int64{start.Unix()}
		for t := start; !t.After(to); {
			t = t.AddDate(0, 1, 0)
			bounds = append(bounds, t.Unix())
		}
		return bounds
	}
	// UTC days are all secondsPerDay long.
	first, end := start.Unix(), to.Unix()
	bounds := make([]int64, 0, max(end-first, 0)/step+2)
	bounds = append(bounds, first)
	for t := first; t <= end; {
		t += step
		bounds = append(bounds, t)
	}
	return bounds
}

// Valid reports whether h is well formed: a known period, dates strictly
// ascending, counts not negative, no more authors than commits in a
// bucket, and a total that adds up.
func (h HeatmapData) Valid() bool {
	if !isPeriod(h.TimePeriod) {
		return false
	}
	total := 0
	for k, p := range h.Data {
		if p.Count < 0 || p.Authors < 0 || p.Authors > p.Count || (k > 0 && p.Date <= h.Data[k-1].Date) {
			return false
		}
		total += p.Count
	}
	return total == h.Metadata.TotalCommits
}
