package recap

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

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
// Only the first line of a message is kept. The built-in summariser
// parses this format back when a client sends only text.
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

var (
	dayPattern  = regexp.MustCompile(`^##\s+(\S+)`)
	itemPattern = regexp.MustCompile(`^[-*]\s+\[([a-z_]+)(?:\s+#(\d+))?\]\s+(.*?):\s+(.*)$`)
)

// ParseActions reads text in the format of RenderActions back into items
// (kind, number, repository, first line, day), skipping lines it does not
// recognise: the built-in summariser's input when a client sends only
// text. A commit's pull request is the one its line cites.
func ParseActions(text string) []activity.Item {
	var items []activity.Item
	var day time.Time
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if m := dayPattern.FindStringSubmatch(line); m != nil {
			day, _ = time.Parse(time.DateOnly, m[1]) // not a date: undated
			continue
		}
		m := itemPattern.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		num, _ := strconv.Atoi(m[2]) // digits only, or empty: 0
		it := activity.Item{Kind: m[1], Number: num, Repo: cmp.Or(m[3], "(unknown)"), Message: m[4], Date: day}
		if it.Kind == activity.KindCommit {
			it.PullRequest, it.PullTitle = activity.CitedPullRequest(it.Message)
		}
		items = append(items, it)
	}
	return items
}
