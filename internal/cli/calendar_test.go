package cli

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// runTerminal runs the command line as on a terminal (or not), with a
// private data directory, and returns stdout, stderr and the exit code.
func runTerminal(t *testing.T, terminal bool, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := execute(t.Context(), append([]string{"--data-dir", t.TempDir()}, args...), &stdout, &stderr, terminal)
	return stdout.String(), stderr.String(), code
}

// gitDays counts a repository's commits per UTC day of their author date,
// as git itself prints it (%at).
func gitDays(t *testing.T, r *testrepo.Repo) map[string]int {
	t.Helper()
	days := map[string]int{}
	for line := range strings.FieldsSeq(r.Git("log", "--format=%at")) {
		sec, err := strconv.ParseInt(line, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		days[time.Unix(sec, 0).UTC().Format(time.DateOnly)]++
	}
	return days
}

// oldRepo is a repository whose last commit is 400 days old, with 1 to 6
// commits on scattered days of the year before it, one commit made at
// 02:00 in UTC+5 (the previous UTC day), and two older than that year.
func oldRepo(t *testing.T) *testrepo.Repo {
	r := testrepo.New(t)
	last := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -400).Add(12 * time.Hour)
	for _, back := range []int{400, 365, 364, 300, 233, 144, 89, 55, 34, 21, 13, 8, 5, 3, 2, 1, 0} {
		day := last.AddDate(0, 0, -back)
		for k := range 1 + back*7%6 {
			r.Commit(testrepo.Commit{Date: day.Add(time.Duration(k) * time.Minute), Message: fmt.Sprintf("day -%d #%d", back, k)})
		}
	}
	plus5 := time.FixedZone("UTC+5", 5*3600)
	early := last.AddDate(0, 0, -40)
	r.Commit(testrepo.Commit{Date: time.Date(early.Year(), early.Month(), early.Day(), 2, 0, 0, 0, plus5), Message: "early in UTC+5"})
	r.Commit(testrepo.Commit{Date: last.Add(time.Hour), Message: "last"})
	return r
}

var (
	legendLevel = regexp.MustCompile(`([░▒▓█]) (\d+)(?:-(\d+))?`)
	totalsLine  = regexp.MustCompile(`^(\d+) commits on (\d+) of (\d+) days, (\S+) to (\S+) \(UTC\); busiest (\S+) with (\d+)$`)
)

// A terminal gets a calendar of the year to the last commit, every cell
// shaded for git's own count of that day, months named above the week of
// their first day, and totals equal to git's.
func TestHeatmapCalendarMatchesGit(t *testing.T) {
	repo := oldRepo(t)
	out, stderr, code := runTerminal(t, true, "analyze", repo.Dir, "heatmap")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 10 {
		t.Fatalf("want months, 7 weekdays, legend and totals, got %d lines:\n%s", len(lines), out)
	}

	counts := gitDays(t, repo)
	var newest string
	for d := range counts {
		newest = max(newest, d)
	}
	end, _ := time.Parse(time.DateOnly, newest)
	start := end.AddDate(0, 0, -364)
	total, active, peak, busiest := 0, 0, 0, ""
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		n := counts[d.Format(time.DateOnly)]
		total += n
		if n > 0 {
			active++
		}
		if n > peak {
			peak, busiest = n, d.Format(time.DateOnly)
		}
	}
	if total == len(strings.Fields(repo.Git("log", "--format=%h"))) {
		t.Fatal("the fixture has no commits outside the year: the range is not tested")
	}

	// Legend: what each shade stands for, ranges that cover 1..peak.
	shade := map[string][2]int{"·": {0, 0}}
	next := 1
	for _, m := range legendLevel.FindAllStringSubmatch(lines[8], -1) {
		lo, _ := strconv.Atoi(m[2])
		hi := lo
		if m[3] != "" {
			hi, _ = strconv.Atoi(m[3])
		}
		if lo != next || hi < lo {
			t.Fatalf("legend %q: shade %s covers %d-%d after %d", lines[8], m[1], lo, hi, next-1)
		}
		shade[m[1]] = [2]int{lo, hi}
		next = hi + 1
	}
	if !strings.Contains(lines[8], "Less ·░▒▓█ More") || next-1 != peak {
		t.Fatalf("legend %q should cover 1 to git's busiest day, %d commits", lines[8], peak)
	}

	// Every day's cell, row by weekday (Monday first), column by week.
	lead := (int(start.Weekday()) + 6) % 7
	rows := make([][]rune, 7)
	for r, name := range []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} {
		if !strings.HasPrefix(lines[1+r], name+" ") {
			t.Fatalf("row %d is %q, want it labelled %s", r, lines[1+r], name)
		}
		rows[r] = []rune(lines[1+r])[calendarLabel:]
	}
	for i := range 365 {
		d := start.AddDate(0, 0, i)
		k := lead + i
		if k/7 >= len(rows[k%7]) {
			t.Fatalf("%s: row %d is too short", d.Format(time.DateOnly), k%7)
		}
		cell := string(rows[k%7][k/7])
		want := counts[d.Format(time.DateOnly)]
		r, ok := shade[cell]
		if !ok || want < r[0] || want > r[1] {
			t.Errorf("%s (%s): cell %q stands for %v commits, git counts %d", d.Format(time.DateOnly), d.Weekday(), cell, r, want)
		}
	}

	// Months above the week of their first day (the first month above
	// the first week).
	for _, loc := range regexp.MustCompile(`[A-Z][a-z]{2}`).FindAllStringIndex(lines[0], -1) {
		col := loc[0] - calendarLabel
		name := lines[0][loc[0]:loc[1]]
		week := start.AddDate(0, 0, 7*col-lead)
		found := false
		for j := range 7 {
			d := week.AddDate(0, 0, j)
			if d.Format("Jan") == name && (d.Day() == 1 || col == 0) && !d.Before(start) && !d.After(end) {
				found = true
			}
		}
		if !found {
			t.Errorf("month %s above week %d (from %s), which holds no first of %s", name, col, week.Format(time.DateOnly), name)
		}
	}
	if got := len(regexp.MustCompile(`[A-Z][a-z]{2}`).FindAllString(lines[0], -1)); got < 11 {
		t.Errorf("%d months named over a year: %q", got, lines[0])
	}

	m := totalsLine.FindStringSubmatch(lines[9])
	want := []string{strconv.Itoa(total), strconv.Itoa(active), "365", start.Format(time.DateOnly), newest, busiest, strconv.Itoa(peak)}
	if m == nil || !slices.Equal(m[1:], want) {
		t.Errorf("totals %q, want from git: %v", lines[9], want)
	}
}

// Asked for a range, the calendar covers it; --table and a pipe print
// rows as before, one a day of the year to today.
func TestHeatmapCalendarRangeAndTable(t *testing.T) {
	repo := oldRepo(t)
	counts := gitDays(t, repo)
	var newest string
	for d := range counts {
		newest = max(newest, d)
	}
	end, _ := time.Parse(time.DateOnly, newest)
	from, to := end.AddDate(0, 0, -60), end.AddDate(0, 0, -10)
	out, stderr, code := runTerminal(t, true, "analyze", repo.Dir, "heatmap", "--from", from.Format(time.DateOnly), "--to", to.Format(time.DateOnly))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	total := 0
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		total += counts[d.Format(time.DateOnly)]
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	m := totalsLine.FindStringSubmatch(lines[len(lines)-1])
	if m == nil || m[1] != strconv.Itoa(total) || m[3] != "51" || m[4] != from.Format(time.DateOnly) || m[5] != to.Format(time.DateOnly) {
		t.Errorf("totals %q, want %d commits on 51 days from %s to %s", lines[len(lines)-1], total, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}

	// Longer than a year of days: rows, not a calendar 60 weeks wide.
	long, _, code := runTerminal(t, true, "analyze", repo.Dir, "heatmap", "--period", "day", "--to", newest, "--from", end.AddDate(0, 0, -400).Format(time.DateOnly))
	if lines := strings.Split(strings.TrimSpace(long), "\n"); code != 0 || !strings.HasPrefix(lines[0], "DAY") || len(lines) != 1+401+1 {
		t.Errorf("401 days of --period day: exit %d, want 401 rows:\n%.300s", code, long)
	}

	for _, tc := range []struct {
		name     string
		terminal bool
		args     []string
	}{
		{"--table on a terminal", true, []string{"--table"}},
		{"piped", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := runTerminal(t, tc.terminal, append([]string{"analyze", repo.Dir, "heatmap"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if !strings.HasPrefix(lines[0], "DAY") || len(lines) != 1+365+1 || strings.ContainsAny(out, "░▒▓") {
				t.Errorf("want a header, 365 rows and a total, got %d lines:\n%.300s", len(lines), out)
			}
		})
	}
}
