package analytics

import "time"

// startOfDay returns the midnight (UTC) that starts t's UTC day.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// day returns t's UTC day as YYYY-MM-DD.
func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// formatDay returns the UTC day of Unix time t as YYYY-MM-DD.
func formatDay(t int64) string { return day(utc(t)) }

// dateRange returns the UTC days of from and to.
func dateRange(from, to time.Time) DateRange {
	return DateRange{Start: day(from), End: day(to)}
}

// utc returns Unix time t as a UTC time.
func utc(t int64) time.Time { return time.Unix(t, 0).UTC() }
