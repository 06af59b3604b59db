package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
)

// calendarGlyphs are the calendar's intensity levels: no commits, then
// four levels up to the busiest day.
var calendarGlyphs = [5]string{"·", "░", "▒", "▓", "█"}

// maxCalendarDays is the longest range drawn as a calendar (53 weeks
// wide); a longer one, asked for with --period day, prints rows.
const maxCalendarDays = 366

// calendarLabel is the width of the weekday labels left of the grid.
const calendarLabel = 4

// level is the intensity level (0-4) of a day with n commits when the
// busiest day has peak: 0 for none, else the quarter of peak n falls in.
func level(n, peak int) int {
	if n <= 0 || peak <= 0 {
		return 0
	}
	return (4*n + peak - 1) / peak
}

// levelRange is the smallest and largest commit count a day of level l
// (1-4) can have when the busiest day has peak; lo > hi when none can.
func levelRange(l, peak int) (lo, hi int) {
	return (l-1)*peak/4 + 1, l * peak / 4
}

// printCalendar draws a heatmap of day buckets as a calendar in the
// manner of GitHub's: one column per week (Monday to Sunday, as the
// heatmap's week buckets), one row per weekday, the months above, a legend
// saying how many commits each shade stands for, and the totals.
func printCalendar(w io.Writer, h analytics.HeatmapData) error {
	days := make([]time.Time, len(h.Data))
	peak, active, busiest := 0, 0, -1
	for i, p := range h.Data {
		d, err := time.Parse(time.DateOnly, p.Date)
		if err != nil {
			return fmt.Errorf("heatmap day %q: %w", p.Date, err)
		}
		days[i] = d
		if p.Count > 0 {
			active++
		}
		if p.Count > peak {
			peak, busiest = p.Count, i
		}
	}
	if len(days) == 0 {
		return printHeatmap(w, h)
	}
	first := days[0]
	lead := (int(first.Weekday()) + 6) % 7 // days of the first week before the range: Monday is 0
	weeks := (lead + len(days) + 6) / 7
	grid := make([][]string, 7)
	for r := range grid {
		grid[r] = make([]string, weeks)
		for c := range grid[r] {
			grid[r][c] = " " // outside the range
		}
	}
	for i, p := range h.Data {
		k := lead + i
		grid[k%7][k/7] = calendarGlyphs[level(p.Count, peak)]
	}
	var b strings.Builder
	b.WriteString(monthLabels(days, lead) + "\n")
	for r, name := range []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} {
		b.WriteString(fmt.Sprintf("%-*s%s\n", calendarLabel, name, strings.TrimRight(strings.Join(grid[r], ""), " ")))
	}
	b.WriteString(strings.Repeat(" ", calendarLabel) + "Less " + strings.Join(calendarGlyphs[:], "") + " More")
	for l := 1; l <= 4; l++ {
		switch lo, hi := levelRange(l, peak); {
		case lo == hi:
			b.WriteString(fmt.Sprintf("  %s %d", calendarGlyphs[l], lo))
		case lo < hi:
			b.WriteString(fmt.Sprintf("  %s %d-%d", calendarGlyphs[l], lo, hi))
		}
	}
	b.WriteString(" commits a day\n")
	m := h.Metadata
	b.WriteString(fmt.Sprintf("%d commits on %d of %d days, %s to %s (UTC)", m.TotalCommits, active, len(days), m.DateRange.Start, m.DateRange.End))
	if busiest >= 0 {
		b.WriteString(fmt.Sprintf("; busiest %s with %d", h.Data[busiest].Date, peak))
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// monthLabels is the line above the grid: each month named above the
// week its first day falls in, and the range's first month above the
// first week when there is room before the next name.
func monthLabels(days []time.Time, lead int) string {
	type label struct {
		col  int
		name string
	}
	var labels []label
	for i, d := range days {
		if d.Day() == 1 {
			labels = append(labels, label{(lead + i) / 7, d.Format("Jan")})
		}
	}
	if len(labels) == 0 || labels[0].col > 3 {
		labels = append([]label{{0, days[0].Format("Jan")}}, labels...)
	}
	var b strings.Builder
	for _, l := range labels {
		col := calendarLabel + l.col
		if col < b.Len()+1 && b.Len() > 0 {
			continue // no room: the previous name reaches here
		}
		b.WriteString(strings.Repeat(" ", col-b.Len()) + l.name)
	}
	return b.String()
}
