package web_test

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// settled holds once every card of the analysis has loaded or failed.
const settled = `document.getElementById('cards').dataset.settled === 'true'`

// commitFacts is one commit as git reports it.
type commitFacts struct {
	sha, author, email, day, punch string // day: UTC date; punch: "weekday hour" in the author's zone
	at                             time.Time
	merge                          bool
	added, deleted                 int
	files                          map[string][2]int
}

// gitLog reads every commit of HEAD with its numstat, as git prints them.
func gitLog(t *testing.T, dir string) []commitFacts {
	t.Helper()
	out, err := testrepo.Run(dir, nil, nil, "log", "--no-renames", "--numstat", "--date=format:%w %H",
		"--format=@%H|%at|%aN|%ad|%P|%aE")
	if err != nil {
		t.Fatal(err)
	}
	var cs []commitFacts
	for line := range strings.Lines(string(out)) {
		line = strings.TrimRight(line, "\n")
		if rest, ok := strings.CutPrefix(line, "@"); ok {
			f := strings.Split(rest, "|")
			at, _ := strconv.ParseInt(f[1], 10, 64)
			when := time.Unix(at, 0).UTC()
			cs = append(cs, commitFacts{sha: f[0], at: when, author: f[2], email: f[5], punch: f[3], day: when.Format(time.DateOnly),
				merge: strings.Contains(f[4], " "), files: map[string][2]int{}})
			continue
		}
		if line == "" {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		a, _ := strconv.Atoi(f[0]) // "-" for binary files counts 0
		d, _ := strconv.Atoi(f[1])
		c := &cs[len(cs)-1]
		c.added += a
		c.deleted += d
		c.files[f[2]] = [2]int{a, d}
	}
	return cs
}

// inPeriod keeps the commits whose author date falls on the UTC days
// from to to, as the API's fromDate and toDate select them.
func inPeriod(cs []commitFacts, from, to string) []commitFacts {
	var keep []commitFacts
	for _, c := range cs {
		if c.day >= from && c.day <= to {
			keep = append(keep, c)
		}
	}
	return keep
}

// view is what a page shows: a period, and optionally without bots
// (excludeBots) or without the files of one top-level directory (exclude=dir/).
type view struct {
	from, to string
	noBots   bool
	leaveOut string // a top-level directory, "docs/"
}

// shown keeps the commits of v: without the bot authors (the fixture's
// bots write [bot] in their name) and without the lines of the files
// left out (the commits themselves still count).
func (v view) shown(cs []commitFacts) []commitFacts {
	var keep []commitFacts
	for _, c := range inPeriod(cs, v.from, v.to) {
		if v.noBots && strings.Contains(c.author+c.email, "[bot]") {
			continue
		}
		if v.leaveOut != "" {
			files := map[string][2]int{}
			c.added, c.deleted = 0, 0
			for p, n := range c.files {
				if !strings.HasPrefix(p, v.leaveOut) {
					files[p] = n
					c.added += n[0]
					c.deleted += n[1]
				}
			}
			c.files = files
		}
		keep = append(keep, c)
	}
	return keep
}

// pageRows reads the rows of a table body as text cells, with the
// thousands separators of the page's numbers removed. A chart's data
// table is opened first: its rows are built when it is.
func pageRows(t *testing.T, b *browser, tbody string) [][]string {
	t.Helper()
	eval[bool](b, fmt.Sprintf(`(() => { const d = document.querySelector(%q).closest('details'); if (d) d.open = true; return true; })()`, tbody))
	b.wait("the rows of "+tbody, fmt.Sprintf(`document.querySelector(%q).dataset.filled !== 'false'`, tbody))
	return eval[[][]string](b, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(tr => [...tr.cells].map(td => td.textContent.trim().replaceAll(',', '')))`, tbody+" tr"))
}

// checkAgainstGit compares every number the loaded page shows for the
// period from-to with git's own: summary totals, the period in every
// subtitle, activity buckets, calendar days, the punch card, contributor
// statistics, churn per file and per directory, and the commits table.
func checkAgainstGit(t *testing.T, b *browser, dir string, v view) {
	t.Helper()
	all := gitLog(t, dir)
	cs := v.shown(all)
	from, to := v.from, v.to
	check := func(what string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s (%s to %s): page %v, git %v", what, from, to, got, want)
		}
	}
	if n := eval[int](b, `document.querySelectorAll('#cards .card-error').length`); n != 0 {
		t.Errorf("%d cards failed:\n%s", n, b.state())
	}

	// Summary: the whole repository.
	authors := map[string]bool{}
	for _, c := range all {
		authors[c.author] = true
	}
	check("total commits", eval[string](b, `document.getElementById('summary-total-commits').textContent.replaceAll(',', '')`), len(all))
	check("contributors", eval[string](b, `document.getElementById('summary-contributors').textContent.replaceAll(',', '')`), len(authors))

	// One period everywhere.
	subs := eval[[]string](b, `[...document.querySelectorAll('#cards .card:not(#summary) .sub')].map(e => e.textContent)`)
	for _, s := range subs {
		if !strings.HasPrefix(s, from+" to "+to) {
			t.Errorf("a card's subtitle %q, want the period %s to %s", s, from, to)
		}
	}
	check("form dates", eval[string](b, `document.getElementById('from-date').value + ' ' + document.getElementById('to-date').value`), from+" "+to)

	// Activity: each bucket runs from its date to the next bucket's.
	rows := pageRows(t, b, "#activity-rows")
	var sumCommits int
	for i, r := range rows {
		end := "9999-12-31"
		if i+1 < len(rows) {
			end = rows[i+1][0]
		}
		var commits, added, deleted int
		who := map[string]bool{}
		for _, c := range cs {
			if c.day >= r[0] && c.day < end {
				commits++
				added += c.added
				deleted += c.deleted
				who[c.author] = true
			}
		}
		sumCommits += commits
		check("activity "+r[0], strings.Join(r[1:], " "), words(commits, added, deleted, len(who)))
	}
	check("activity total", sumCommits, len(cs))
	if len(rows) == 0 || rows[0][0] > from {
		t.Errorf("activity rows start at %v, want %s", rows, from)
	}

	// Calendar (periods up to a year): every day with commits.
	if eval[int](b, `document.querySelectorAll('#calendar-chart rect.cell[data-date]').length`) > 0 {
		perDay := map[string]int{}
		for _, c := range cs {
			perDay[c.day]++
		}
		var want []string
		for _, d := range slices.Sorted(maps.Keys(perDay)) {
			want = append(want, fmt.Sprintf("%s=%d", d, perDay[d]))
		}
		check("calendar cells", eval[[]string](b, `[...document.querySelectorAll('#calendar-chart rect.cell[data-date]')].filter(r => r.dataset.count !== '0').map(r => r.dataset.date + '=' + r.dataset.count)`), want)
		var table []string
		for _, r := range pageRows(t, b, "#calendar-rows") {
			table = append(table, r[0]+"="+r[1])
		}
		check("calendar table", table, want)
		days := int(mustDay(t, to).Sub(mustDay(t, from)).Hours()/24) + 1
		check("calendar days", eval[int](b, `document.querySelectorAll('#calendar-chart rect.cell[data-date]').length`), days)
	}

	// Punch card, in each commit's own zone.
	names := []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	punch := map[string]int{}
	for _, c := range cs {
		wd, _ := strconv.Atoi(c.punch[:1])
		h, _ := strconv.Atoi(c.punch[2:])
		punch[fmt.Sprintf("%d %02d %s", wd, h, names[wd])]++
	}
	var wantPunch, gotPunch []string
	for _, k := range slices.Sorted(maps.Keys(punch)) {
		wantPunch = append(wantPunch, fmt.Sprintf("%s %d %d", k[5:], atoi(k[2:4]), punch[k]))
	}
	for _, r := range pageRows(t, b, "#punchcard-rows") {
		gotPunch = append(gotPunch, strings.Join(r, " "))
	}
	check("punch card", gotPunch, wantPunch)
	check("punch card cells", eval[int](b, `document.querySelectorAll('#punchcard-chart [data-count]').length`), 168)

	// Contributors with their statistics.
	type stat struct{ commits, added, deleted int }
	per := map[string]*stat{}
	for _, c := range cs {
		s := per[c.author]
		if s == nil {
			s = &stat{}
			per[c.author] = s
		}
		s.commits++
		s.added += c.added
		s.deleted += c.deleted
	}
	var wantAuthors, gotAuthors []string
	for _, name := range slices.Sorted(maps.Keys(per)) {
		s := per[name]
		wantAuthors = append(wantAuthors, words(name, s.commits, s.added, s.deleted))
	}
	for _, r := range pageRows(t, b, "#contributors-rows") {
		gotAuthors = append(gotAuthors, strings.Join(r[:4], " "))
	}
	slices.Sort(gotAuthors)
	check("contributors", gotAuthors, wantAuthors)

	// Churn per file (non-merge commits) and per top-level directory.
	type churn struct{ commits, added, deleted, files int }
	files := map[string]*churn{}
	dirs := map[string]*churn{}
	for _, c := range cs {
		if c.merge {
			continue
		}
		touched := map[string]bool{}
		for p, n := range c.files {
			f := files[p]
			if f == nil {
				f = &churn{}
				files[p] = f
			}
			f.commits++
			f.added += n[0]
			f.deleted += n[1]
			d, _, ok := strings.Cut(p, "/")
			if !ok {
				d = "."
			}
			if dirs[d] == nil {
				dirs[d] = &churn{}
			}
			dirs[d].added += n[0]
			dirs[d].deleted += n[1]
			touched[d] = true
		}
		for d := range touched {
			dirs[d].commits++
		}
	}
	for p := range files {
		d, _, ok := strings.Cut(p, "/")
		if !ok {
			d = "."
		}
		dirs[d].files++
	}
	var wantFiles, gotFiles, wantDirs, gotDirs []string
	for _, p := range slices.Sorted(maps.Keys(files)) {
		f := files[p]
		wantFiles = append(wantFiles, words(p, f.commits, f.added, f.deleted))
	}
	for _, r := range pageRows(t, b, "#hotspots-rows") { // file, risk, commits, added, deleted
		gotFiles = append(gotFiles, words(r[0], r[2], r[3], r[4]))
		if f := files[r[0]]; f != nil {
			check(r[0]+" risk", r[1], risk(f.commits))
		}
	}
	slices.Sort(gotFiles)
	check("churn files", gotFiles, wantFiles)
	for _, p := range slices.Sorted(maps.Keys(dirs)) {
		d := dirs[p]
		wantDirs = append(wantDirs, words(p, d.files, d.commits, d.added, d.deleted))
	}
	for _, r := range pageRows(t, b, "#hotspots-dirs") {
		gotDirs = append(gotDirs, strings.Join(r, " "))
	}
	slices.Sort(gotDirs)
	check("churn directories", gotDirs, wantDirs)

	checkCoupling(t, b, cs, check)
	checkOwnership(t, b, cs, check)

	// Commits, newest first, with their line counts (all their files:
	// exclude leaves files out of line statistics, not out of commits).
	whole := v
	whole.leaveOut = ""
	var wantCommits, gotCommits []string
	for _, c := range whole.shown(all)[:min(len(cs), 25)] {
		wantCommits = append(wantCommits, words(c.sha, c.added, c.deleted))
	}
	for _, r := range eval[[][]string](b, `[...document.querySelectorAll('#commits-rows tr')].map(tr => [tr.dataset.sha, tr.cells[3].textContent.replaceAll(',', ''), tr.cells[4].textContent.replaceAll(',', '')])`) {
		gotCommits = append(gotCommits, strings.Join(r, " "))
	}
	check("commits", gotCommits, wantCommits)
	pages := max(1, (len(cs)+24)/25)
	check("pager", eval[string](b, `document.getElementById('commits-page').textContent`), fmt.Sprintf("Page 1 of %d (%d commit%s)", pages, len(cs), map[bool]string{true: "", false: "s"}[len(cs) == 1]))
}

// percent writes a ratio as the page does: rounded to four decimals (as
// the API), then as a percentage with one decimal.
func percent(num, den int) string {
	return fmt.Sprintf("%.1f%%", math.Round(float64(num)/float64(den)*1e4)/1e4*100)
}

// checkCoupling compares the coupling table with the pairs of files the
// shown commits change together (the API's defaults: at least 3 shared
// commits, commits changing at most 50 files).
func checkCoupling(t *testing.T, b *browser, cs []commitFacts, check func(string, any, any)) {
	t.Helper()
	per := map[string]int{}
	shared := map[[2]string]int{}
	counted := 0
	for _, c := range cs {
		if c.merge || len(c.files) == 0 || len(c.files) > 50 {
			continue
		}
		counted++
		paths := slices.Sorted(maps.Keys(c.files))
		for i, p := range paths {
			per[p]++
			for _, q := range paths[i+1:] {
				shared[[2]string{p, q}]++
			}
		}
	}
	var want []string
	for pq, n := range shared {
		if n < 3 {
			continue
		}
		p, q := pq[0], pq[1]
		if per[q] < per[p] { // path is the file with fewer commits
			p, q = q, p
		}
		want = append(want, words(p, q, n, percent(n, counted), percent(n, per[p])))
	}
	slices.Sort(want)
	var got []string
	for _, r := range pageRows(t, b, "#coupling-rows") {
		got = append(got, strings.Join(r, " "))
	}
	slices.Sort(got)
	check("coupling pairs", got, want)
}

// checkOwnership compares the ownership table with each top-level
// directory's changed lines per author in the shown non-merge commits:
// its files and lines, top author and share, and bus factor (authors
// taken away, those active on the most files first, until more than half
// of the files have no active author; an active author changed at least
// half as many of a file's lines as its top author).
func checkOwnership(t *testing.T, b *browser, cs []commitFacts, check func(string, any, any)) {
	t.Helper()
	lines := map[string]map[string]int{} // file, author
	for _, c := range cs {
		if c.merge {
			continue
		}
		for p, n := range c.files {
			if n[0]+n[1] == 0 {
				continue
			}
			if lines[p] == nil {
				lines[p] = map[string]int{}
			}
			lines[p][c.author] += n[0] + n[1]
		}
	}
	type dir struct {
		files  []string
		lines  map[string]int
		active map[string][]string // author, files
	}
	dirs := map[string]*dir{}
	for _, p := range slices.Sorted(maps.Keys(lines)) {
		name, _, ok := strings.Cut(p, "/")
		if !ok {
			name = "."
		}
		d := dirs[name]
		if d == nil {
			d = &dir{lines: map[string]int{}, active: map[string][]string{}}
			dirs[name] = d
		}
		d.files = append(d.files, p)
		top := slices.Max(slices.Collect(maps.Values(lines[p])))
		for a, n := range lines[p] {
			d.lines[a] += n
			if 2*n >= top {
				d.active[a] = append(d.active[a], p)
			}
		}
	}
	var want []string
	for _, name := range slices.Sorted(maps.Keys(dirs)) {
		d := dirs[name]
		total := 0
		for _, n := range d.lines {
			total += n
		}
		authors := slices.SortedFunc(maps.Keys(d.lines), func(a, b string) int {
			return cmp.Or(cmp.Compare(d.lines[b], d.lines[a]), strings.Compare(a, b))
		})
		order := slices.Clone(authors)
		slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(len(d.active[b]), len(d.active[a])) })
		gone := map[string]bool{}
		orphaned := func() int {
			n := 0
			for _, f := range d.files {
				if !slices.ContainsFunc(order, func(a string) bool { return !gone[a] && slices.Contains(d.active[a], f) }) {
					n++
				}
			}
			return n
		}
		bus := 0
		for _, a := range order {
			if 2*orphaned() > len(d.files) {
				break
			}
			gone[a] = true
			bus++
		}
		want = append(want, words(name, len(d.files), total, authors[0], percent(d.lines[authors[0]], total), bus))
	}
	var got []string
	for _, r := range pageRows(t, b, "#ownership-rows") {
		got = append(got, strings.Join(r, " "))
	}
	slices.Sort(got)
	check("ownership", got, want)
}

// risk is the level the API gives a file changed by that many commits.
func risk(commits int) string {
	switch {
	case commits >= analytics.CriticalCommits:
		return "critical"
	case commits >= analytics.HighCommits:
		return "high"
	case commits >= analytics.MediumCommits:
		return "medium"
	}
	return "low"
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func mustDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// words writes its operands separated by spaces, as the page's cells are joined.
func words(a ...any) string { return strings.TrimSuffix(fmt.Sprintln(a...), "\n") }
