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

// bucketDays returns the UTC days of the Unix times starts, as formatDay
// does, but with one allocation for all of them (a heatmap of days has
// thousands) when their years have four digits.
func bucketDays(starts []int64) []string {
	const width = len(time.DateOnly)
	out := make([]string, len(starts))
	buf := make([]byte, 0, len(starts)*width)
	for _, t := range starts {
		days, _ := floorDiv(t, secondsPerDay)
		y, m, d := civil(days)
		if y < 0 || y > 9999 {
			for k, t := range starts {
				out[k] = formatDay(t)
			}
			return out
		}
		buf = append(buf, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
			byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
	}
	all := string(buf)
	for k := range out {
		out[k] = all[k*width : (k+1)*width]
	}
	return out
}

// civil returns the proleptic Gregorian year, month (1-12) and day (1-31)
// of days since 1970-01-01 (Howard Hinnant's civil_from_days).
func civil(days int64) (y, m, d int64) {
	era, doe := floorDiv(days+719468, 146097) // 400-year eras from 0000-03-01
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153 // months from March
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}
