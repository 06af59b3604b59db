package analytics_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// gitCommit is one commit as git log itself reports it.
type gitCommit struct {
	at             time.Time // author date, UTC
	author         string    // mailmapped name
	weekday, hour  int       // in the author's own zone, as git formats it
	added, deleted int
	merge          bool
	changed        map[string][2]int // path: added, deleted
	hash           string
}

// gitLog reads the commits of dir (and extra log arguments) with git's
// own numbers: no renames, merges without a diff, as the index keeps them.
func gitLog(t *testing.T, dir string, extra ...string) []gitCommit {
	t.Helper()
	args := append([]string{"log", "--no-renames", "--numstat", "--date=format:%w %H", "--format=@%at%x09%aN%x09%ad%x09%p%x09%H"}, extra...)
	out, err := testrepo.Run(dir, nil, nil, args...)
	if err != nil {
		t.Fatal(err)
	}
	var list []gitCommit
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "@"); ok {
			f := strings.Split(rest, "\t")
			at, _ := strconv.ParseInt(f[0], 10, 64)
			var c gitCommit
			c.at, c.author, c.merge, c.hash = time.Unix(at, 0).UTC(), f[1], strings.Contains(f[3], " "), f[4]
			wh := strings.Fields(f[2])
			c.weekday, _ = strconv.Atoi(wh[0])
			c.hour, _ = strconv.Atoi(wh[1])
			c.changed = map[string][2]int{}
			list = append(list, c)
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 || len(list) == 0 {
			continue
		}
		a, _ := strconv.Atoi(f[0]) // "-" for a binary file: 0
		d, _ := strconv.Atoi(f[1])
		c := &list[len(list)-1]
		c.added, c.deleted = c.added+a, c.deleted+d
		c.changed[f[2]] = [2]int{a, d}
	}
	return list
}

// bucketOf returns the first day of t's UTC day, ISO week or month.
func bucketOf(t time.Time, period string) string {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch period {
	case analytics.PeriodWeek:
		d = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	case analytics.PeriodMonth:
		d = d.AddDate(0, 0, 1-d.Day())
	}
	return d.Format(time.DateOnly)
}

// wantActivity computes the activity of commits within [from, to] from
// git's numbers: every bucket from from's to to's.
func wantActivity(commits []gitCommit, period string, from, to time.Time) []analytics.ActivityPoint {
	var points []analytics.ActivityPoint
	pos := map[string]int{}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if b := bucketOf(d, period); len(points) == 0 || points[len(points)-1].Date != b {
			pos[b] = len(points)
			points = append(points, analytics.ActivityPoint{Date: b})
		}
	}
	names := map[string]map[string]bool{}
	for _, c := range commits {
		if c.at.Before(from) || c.at.After(to) {
			continue
		}
		b := bucketOf(c.at, period)
		p := &points[pos[b]]
		p.Commits++
		p.Additions += c.added
		p.Deletions += c.deleted
		if names[b] == nil {
			names[b] = map[string]bool{}
		}
		if !names[b][c.author] {
			names[b][c.author] = true
			p.Authors++
		}
	}
	return points
}

// wantPunchcard counts commits by git's own weekday and hour.
func wantPunchcard(commits []gitCommit) []analytics.PunchcardCell {
	cells := make([]analytics.PunchcardCell, 7*24)
	for k := range cells {
		cells[k] = analytics.PunchcardCell{Day: k / 24, Hour: k % 24}
	}
	for _, c := range commits {
		cells[c.weekday*24+c.hour].Commits++
	}
	return cells
}

// wantAuthors sums git's numbers per author name.
func wantAuthors(commits []gitCommit) map[string]analytics.AuthorStats {
	m := map[string]analytics.AuthorStats{}
	for _, c := range commits {
		a, ok := m[c.author]
		at := c.at
		if !ok {
			a = analytics.AuthorStats{Name: c.author, FirstCommit: &at, LastCommit: &at}
		}
		a.Commits++
		a.Additions += c.added
		a.Deletions += c.deleted
		if at.Before(*a.FirstCommit) {
			a.FirstCommit = &at
		}
		if at.After(*a.LastCommit) {
			a.LastCommit = &at
		}
		m[c.author] = a
	}
	return m
}

func checkAuthors(t *testing.T, got analytics.AuthorsResponse, want map[string]analytics.AuthorStats) {
	t.Helper()
	if len(got.Authors) != len(want) {
		t.Errorf("%d authors, git log %d", len(got.Authors), len(want))
	}
	for k, a := range got.Authors {
		w := want[a.Name]
		if a.Commits != w.Commits || a.Additions != w.Additions || a.Deletions != w.Deletions ||
			a.FirstCommit == nil || !a.FirstCommit.Equal(*w.FirstCommit) || !a.LastCommit.Equal(*w.LastCommit) {
			t.Errorf("%s: got %s, git says %s", a.Name, mustJSON(t, a), mustJSON(t, w))
		}
		if k > 0 && a.Commits > got.Authors[k-1].Commits {
			t.Errorf("authors not sorted by commits at %d", k)
		}
	}
}

// TestInsightsAgreeWithGit checks activity, punch card and author
// statistics on a generated history with merges against git log's own
// numbers, with and without an author filter.
func TestInsightsAgreeWithGit(t *testing.T) {
	dir := testrepo.Generate(t, testrepo.Synthetic{Commits: 1200, MergeEvery: 10, Authors: 30, Files: 200, Step: 3 * time.Hour})
	v := mustView(t, dir)
	for _, tc := range []struct {
		name    string
		filter  analytics.Filter
		gitArgs []string
	}{
		{"all", analytics.Filter{}, nil},
		{"authors", analytics.Filter{Authors: []string{"AUTHOR1@", "side@"}}, []string{"--regexp-ignore-case", "--author=author1@", "--author=side@"}},
	} {
		commits := gitLog(t, dir, tc.gitArgs...)
		t.Run(tc.name, func(t *testing.T) {
			from, to := at(t, "2015-01-20"), endOf(t, "2015-06-10")
			for _, period := range []string{analytics.PeriodDay, analytics.PeriodWeek, analytics.PeriodMonth} {
				f := tc.filter
				f.From, f.To = from, to
				a := v.Activity(f, period, time.Now())
				if a.TimePeriod != period || a.StatsPending {
					t.Errorf("%s: period %q, statsPending %t", period, a.TimePeriod, a.StatsPending)
				}
				want := wantActivity(commits, period, from, to)
				check(t, period+" activity", a.Data, want)
				total := 0
				for _, p := range want {
					total += p.Commits
				}
				if a.Metadata.TotalCommits != total || total == 0 {
					t.Errorf("%s: total %d, git %d", period, a.Metadata.TotalCommits, total)
				}
				// The heatmap agrees with activity on commits and authors.
				h := v.Heatmap(f, period, time.Now())
				for k, p := range h.Data {
					if p.Date != a.Data[k].Date || p.Count != a.Data[k].Commits || p.Authors != a.Data[k].Authors {
						t.Errorf("%s: heatmap %+v, activity %+v", period, p, a.Data[k])
					}
				}
			}
			check(t, "punchcard", v.Punchcard(tc.filter).Data, wantPunchcard(commits))
			checkAuthors(t, v.Authors(tc.filter), wantAuthors(commits))
		})
	}
}

// TestInsightsZonesAndBoundaries guards the time zone rules: buckets are
// UTC days, ISO weeks and months, while the punch card reads each commit's
// own zone.
func TestInsightsZonesAndBoundaries(t *testing.T) {
	r := testrepo.New(t)
	dates := []string{
		"2024-03-03T23:30:00-05:00", // Sunday 23h there; Monday 2024-03-04 04:30 UTC (next week)
		"2024-03-04T01:15:00+09:00", // Monday 01h there; Sunday 2024-03-03 16:15 UTC
		"2024-03-31T22:00:00-03:00", // Sunday there; Monday 2024-04-01 01:00 UTC (next month)
		"2024-04-01T00:30:00+05:30", // Monday there; Sunday 2024-03-31 19:00 UTC
		"2024-02-29T12:00:00Z",      // a leap day
		"2024-03-10T23:59:59+14:00", // the widest zone
		"2024-03-10T00:00:00-12:00",
	}
	for k, d := range dates {
		r.Commit(testrepo.Commit{
			Author: "Dev " + strconv.Itoa(k%3) + " <dev" + strconv.Itoa(k%3) + "@example.com>",
			Date:   at(t, d),
			Files:  files("f"+strconv.Itoa(k)+".txt", strings.Repeat("x\n", k+1)),
		})
	}
	v := mustView(t, r.Dir)
	commits := gitLog(t, r.Dir)
	from, to := at(t, "2024-02-25"), endOf(t, "2024-04-07")
	for _, period := range []string{analytics.PeriodDay, analytics.PeriodWeek, analytics.PeriodMonth} {
		a := v.Activity(analytics.Filter{From: from, To: to}, period, time.Now())
		check(t, period+" activity", a.Data, wantActivity(commits, period, from, to))
	}
	p := v.Punchcard(analytics.Filter{})
	check(t, "punchcard", p.Data, wantPunchcard(commits))
	// The zone rule spelled out, in case git and we both erred.
	if c := p.Data[0*24+23]; c.Commits != 2 { // 23:30-05:00 and 23:59:59+14:00 are both Sunday 23h
		t.Errorf("Sunday 23h: %d commits, want 2", c.Commits)
	}
	if p.TotalCommits != len(dates) || len(p.Data) != 168 {
		t.Errorf("punchcard: %d commits in %d cells", p.TotalCommits, len(p.Data))
	}
	checkAuthors(t, v.Authors(analytics.Filter{}), wantAuthors(commits))
}

// TestChurnLimitAndDirectories checks the top-N cut and the per-directory
// totals against git log --numstat.
func TestChurnLimitAndDirectories(t *testing.T) {
	dir := testrepo.Generate(t, testrepo.Synthetic{Commits: 600, MergeEvery: 10, Authors: 12, Files: 120})
	v := mustView(t, dir)
	commits := gitLog(t, dir, "--no-merges")
	all := v.Churn(analytics.Filter{})
	top := v.ChurnWith(analytics.Filter{}, analytics.ChurnOptions{Limit: 7})
	check(t, "top 7", top.Files, all.Files[:7])
	check(t, "summary of all files", top.Summary, all.Summary)
	if top.Metadata.Filters.Limit != 7 {
		t.Errorf("limit echoed as %d", top.Metadata.Filters.Limit)
	}
	for _, depth := range []int{1, 2} {
		d := v.ChurnWith(analytics.Filter{MinChanges: 100}, analytics.ChurnOptions{DirectoryDepth: depth})
		type dirTotals struct {
			analytics.ChurnDirectory
			files map[string]bool
		}
		kept := map[string]bool{}
		for _, f := range d.Files {
			kept[f.Path] = true
		}
		want := map[string]*dirTotals{}
		for _, c := range commits {
			touched := map[string]bool{}
			for path, n := range c.changed {
				if !kept[path] {
					continue
				}
				parts := strings.Split(path, "/")
				dirName := "."
				if len(parts) > 1 {
					dirName = strings.Join(parts[:min(depth, len(parts)-1)], "/")
				}
				w := want[dirName]
				if w == nil {
					w = &dirTotals{ChurnDirectory: analytics.ChurnDirectory{Path: dirName}, files: map[string]bool{}}
					want[dirName] = w
				}
				w.Additions += n[0]
				w.Deletions += n[1]
				w.Changes += n[0] + n[1]
				w.files[path] = true
				if !touched[dirName] {
					touched[dirName] = true
					w.Commits++
				}
			}
		}
		if len(d.Directories) != len(want) || len(want) == 0 {
			t.Fatalf("depth %d: %d directories, git %d", depth, len(d.Directories), len(want))
		}
		for k, got := range d.Directories {
			w := want[got.Path]
			if w == nil {
				t.Errorf("depth %d: directory %q, not in git's", depth, got.Path)
				continue
			}
			w.Files = len(w.files)
			if got != w.ChurnDirectory {
				t.Errorf("depth %d: %+v, git says %+v", depth, got, w.ChurnDirectory)
			}
			if k > 0 && got.Changes > d.Directories[k-1].Changes {
				t.Errorf("depth %d: directories not sorted at %d", depth, k)
			}
		}
	}
}
