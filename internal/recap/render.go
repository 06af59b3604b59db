package recap

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gitpulse/gitpulse/internal/activity"
)

// RenderActions renders items as the text a model reads: items sorted by
// date, oldest first (so the newest day comes last), under one
// "## YYYY-MM-DD" heading per day (in each item's own location), one line
// per item:
//
//	## 2026-11-20
//	- [commit] gitpulse: feat: add recap
//	- [pull_request #12] gitpulse: Add recap
//
// Only the first line of a message is kept. The built-in summariser parses
// this format back.
func RenderActions(items []activity.Item) string {
	var b strings.Builder
	day := ""
	for _, it := range sortedItems(items) {
		if d := it.Date.Format("2006-01-02"); d != day {
			if day != "" {
				b.WriteByte('\n')
			}
			day = d
			b.WriteString(dayHeading(d))
		}
		b.WriteString(itemLine(it))
	}
	return b.String()
}

// dayHeading is the heading of day ("2006-01-02") in RenderActions.
func dayHeading(day string) string { return "## " + day + "\n" }

// itemLine is the line of one item in RenderActions.
func itemLine(it activity.Item) string {
	var b strings.Builder
	b.WriteString("- [" + it.Kind)
	if it.Number > 0 {
		b.WriteString(" #" + strconv.Itoa(it.Number))
	}
	b.WriteString("] " + it.Repo + ": " + firstLine(it.Message) + "\n")
	return b.String()
}

// sortedItems returns a copy of items sorted by date, oldest first.
func sortedItems(items []activity.Item) []activity.Item {
	s := slices.Clone(items)
	slices.SortStableFunc(s, func(a, b activity.Item) int { return a.Date.Compare(b.Date) })
	return s
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// parsedItem is one item line read back from rendered actions.
type parsedItem struct {
	kind, repo, message, day string
	number                   int
}

var (
	dayPattern  = regexp.MustCompile(`^##\s+(\S+)`)
	itemPattern = regexp.MustCompile(`^[-*]\s+\[([a-z_]+)(?:\s+#(\d+))?\]\s+(.*?):\s+(.*)$`)
)

// parseActions reads text in the format of RenderActions, skipping lines
// it does not recognise.
func parseActions(text string) []parsedItem {
	var items []parsedItem
	day := ""
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if m := dayPattern.FindStringSubmatch(line); m != nil {
			day = m[1]
			continue
		}
		m := itemPattern.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		num, _ := strconv.Atoi(m[2]) // digits only, or empty: 0
		items = append(items, parsedItem{kind: m[1], number: num, repo: cmp.Or(m[3], "(unknown)"), message: m[4], day: day})
	}
	return items
}
