package analytics

import (
	"bytes"
	"cmp"
	"context"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/index"
	"github.com/gitpulse/gitpulse/internal/synth"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// The fast paths (counts per identity, pre-aggregated totals, early
// stops) must give exactly what a scan of every commit gives. These tests
// compare them with the scans they replace, on a generated history (topic
// branches, author dates out of git log order) whose index is then given
// unknown dates and dates years off, as git can report them.

var generated struct {
	once sync.Once
	x    *index.Index
	err  error
}

// indexSynth generates a history with opts into a new repository and
// indexes it.
func indexSynth(t *testing.T, opts synth.Options) (*index.Index, error) {
	var stream bytes.Buffer
	if err := synth.Write(&stream, opts); err != nil {
		return nil, err
	}
	dir := t.TempDir()
	if _, err := testrepo.Run(dir, nil, nil, "init", "-q", "--bare", "-b", "main"); err != nil {
		return nil, err
	}
	if _, err := testrepo.Run(dir, nil, stream.Bytes(), "fast-import", "--quiet"); err != nil {
		return nil, err
	}
	ctx := context.Background()
	g, err := gitcli.New(ctx, gitcli.Options{Home: t.TempDir()})
	if err != nil {
		return nil, err
	}
	return (&index.Builder{Git: g, Workers: 2}).Build(ctx, dir, nil)
}

// generatedViews returns views of a generated history: as git indexed it,
// and with a few commits' dates made unknown or moved years away.
func generatedViews(t *testing.T) []*View {
	t.Helper()
	generated.once.Do(func() {
		generated.x, generated.err = indexSynth(t, synth.Options{Commits: 4000, Authors: 120, Paths: 900, Seed: 11})
	})
	if generated.err != nil {
		t.Fatal(generated.err)
	}
	x := generated.x
	odd := *x
	odd.AuthorTime = slices.Clone(x.AuthorTime)
	r := rand.New(rand.NewPCG(1, 2))
	for range 60 {
		i := r.IntN(x.Len())
		switch r.IntN(3) {
		case 0:
			odd.AuthorTime[i] = index.UnknownTime
		case 1:
			odd.AuthorTime[i] -= int64(r.IntN(8*365)) * secondsPerDay
		default:
			odd.AuthorTime[i] += int64(r.IntN(3*365)) * secondsPerDay
		}
	}
	// Unknown dates at the head too, where the summary looks.
	odd.AuthorTime[0], odd.AuthorTime[1] = index.UnknownTime, index.UnknownTime
	return []*View{NewView(x), NewView(&odd)}
}

// fastPathFilters are filter combinations drawn from v's history: its
// authors by name, e-mail and fragment, windows (some empty, some open on
// one side), bots, exclusions, extensions and paths.
func fastPathFilters(v *View) []Filter {
	x := v.x
	r := rand.New(rand.NewPCG(3, 4))
	newest := time.Unix(v.sortedTime[len(v.sortedTime)-1], 0)
	oldest := time.Unix(v.sortedTime[len(v.sortedTime)-1], 0)
	for _, t := range v.sortedTime {
		if t != index.UnknownTime {
			oldest = time.Unix(t, 0)
			break
		}
	}
	span := newest.Sub(oldest)
	someone := func() string { return x.Idents[x.Author[r.IntN(x.Len())]].Name }
	authorSets := [][]string{nil, {someone()}, {someone(), someone()}, {x.Idents[x.Author[r.IntN(x.Len())]].Email},
		{"a"}, {"zz-nobody"}, {"BOT"}, {" " + someone()[:2] + " "}}
	var out []Filter
	for k := range 150 {
		f := Filter{Authors: authorSets[k%len(authorSets)], ExcludeBots: k%4 == 1}
		switch k % 6 {
		case 1:
			f.From = oldest.Add(time.Duration(r.Int64N(int64(span))))
			f.To = f.From.Add(time.Duration(r.Int64N(int64(span / 4))))
		case 2:
			f.From = oldest.Add(time.Duration(r.Int64N(int64(span))))
		case 3:
			f.To = oldest.Add(time.Duration(r.Int64N(int64(span))))
		case 4:
			f.From, f.To = newest.AddDate(0, 0, 1), newest.AddDate(1, 0, 0) // nothing in it
		case 5:
			f.From, f.To = oldest.Add(span/2), oldest.Add(span/2) // one second
		}
		switch k % 5 {
		case 1:
			f.Exclude = []string{ExcludeDefault}
		case 2:
			f.Extensions = []string{"c", "H", ".md"}
		case 3:
			f.Paths = []string{x.Paths[r.IntN(len(x.Paths))], "src/"}
			f.MinChanges = r.IntN(30)
		}
		out = append(out, f)
	}
	return out
}

// scanCommits is Commits by a scan of every commit.
func scanCommits(v *View, f Filter, page, limit int) CommitsPage {
	q := v.compile(f)
	skip := (page - 1) * limit
	res := CommitsPage{Page: page, Limit: limit, StatsPending: !v.x.HasStats, Commits: []Commit{}}
	for i := range v.x.Len() {
		if !q.matches(i) {
			continue
		}
		if res.Total >= skip && res.Total < skip+limit {
			res.Commits = append(res.Commits, v.commit(i))
		}
		res.Total++
	}
	res.HasMore = res.Total > skip+limit
	return res
}

// scanContributors is Contributors by a scan of the commits in the window.
func scanContributors(v *View, f Filter) []Contributor {
	seen := make([]bool, len(v.names))
	q := v.compile(f)
	for i := range q.timeOrdered() {
		seen[v.nameID[v.x.Author[i]]] = true
	}
	list := []Contributor{}
	for n, ok := range seen {
		if ok {
			list = append(list, Contributor{Login: v.names[n]})
		}
	}
	return list
}

// scanChurnTotals is churnTotals by a pass over the window's changes.
func scanChurnTotals(v *View, f Filter, keep []bool) []pathTotals {
	x := v.x
	totals := make([]pathTotals, len(x.Paths))
	for _, j := range v.changes(f) {
		if p := x.ChangePath[j]; keep == nil || keep[p] {
			totals[p].added += uint64(x.ChangeAdded[j])
			totals[p].deleted += uint64(x.ChangeDeleted[j])
			totals[p].commits++
		}
	}
	return totals
}

func TestFastPathsEqualScans(t *testing.T) {
	for vk, v := range generatedViews(t) {
		if s := v.churnSums(); s == nil || !s.exact {
			t.Fatalf("view %d has no exact churn sums", vk)
		}
		for fk, f := range fastPathFilters(v) {
			for _, pl := range [][2]int{{1, 100}, {2, 7}, {40, 50}, {1000, 100}} {
				if got, want := v.Commits(f, pl[0], pl[1]), scanCommits(v, f, pl[0], pl[1]); !reflect.DeepEqual(got, want) {
					t.Fatalf("view %d, filter %d %+v, page %v: commits total %d (%d listed), scan %d (%d listed)",
						vk, fk, f, pl, got.Total, len(got.Commits), want.Total, len(want.Commits))
				}
			}
			if got, want := v.Contributors(f), scanContributors(v, f); !reflect.DeepEqual(got, want) {
				t.Fatalf("view %d, filter %d %+v: contributors %d, scan %d", vk, fk, f, len(got), len(want))
			}
			keep := v.pathFilter(normalise(f.Extensions, extension), normalise(f.Paths, pathPrefix), v.excluded(f.Exclude))
			if got, want := v.churnTotals(f, keep), scanChurnTotals(v, f, keep); !slices.Equal(got, want) {
				t.Fatalf("view %d, filter %d %+v: churn totals differ from the scan's", vk, fk, f)
			}
		}
	}
}

// TestEachYieldsTheWindow checks that query.each, which reads by position
// when that is cheaper, yields exactly the commits timeOrdered yields:
// churn, coupling, ownership, authors and the punch card only sum and
// count what it yields.
func TestEachYieldsTheWindow(t *testing.T) {
	type commit struct {
		i int
		t int64
	}
	collect := func(seq func(func(int, int64) bool)) []commit {
		var out []commit
		for i, at := range seq {
			out = append(out, commit{i, at})
		}
		slices.SortFunc(out, func(a, b commit) int { return a.i - b.i })
		return out
	}
	byPosition := 0
	for vk, v := range generatedViews(t) {
		for fk, f := range fastPathFilters(v) {
			q := v.compile(f)
			got, want := collect(q.each()), collect(q.timeOrdered())
			if !slices.Equal(got, want) {
				t.Fatalf("view %d, filter %d %+v: each yields %d commits, timeOrdered %d", vk, fk, f, len(got), len(want))
			}
			if lo, hi := v.span(q.from, q.to); hi-lo > 1000 {
				byPosition++
			}
		}
	}
	if byPosition == 0 {
		t.Fatal("no filter selected enough commits to be read by position")
	}
}

// TestWindowCheckpoints checks that a path's entries of a window, found
// between checkpoints, are those a binary search over all of them finds,
// with no checkpoints and with 2 to 64 buckets of time ranks.
func TestWindowCheckpoints(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, v := range generatedViews(t) {
		s := v.churnSums()
		for _, b := range []int{0, 2, 7, 64} {
			s.makeCheckpoints(b)
			for p := range uint32(len(s.start)) {
				lo := r.IntN(s.commits + 1)
				for _, hi := range []int{lo, lo + r.IntN(s.commits+1-lo), s.commits} {
					ranks := s.rank[s.start[p]:s.stop[p]]
					a, _ := slices.BinarySearch(ranks, uint32(lo))
					c, _ := slices.BinarySearch(ranks, uint32(hi))
					if first, end := s.window(p, lo, hi); first != s.start[p]+uint32(a) || end != s.start[p]+uint32(c) {
						t.Fatalf("%d buckets, path %d, ranks [%d, %d): entries [%d, %d), search [%d, %d)", b, p, lo, hi, first, end, s.start[p]+uint32(a), s.start[p]+uint32(c))
					}
				}
			}
		}
		s.makeCheckpoints(s.bucketsFor())
	}
}

// TestIdentRuns compares the churn of an identity over windows, added
// from its runs and taken away again, with a scan of its entries in the
// churn sums, for identities with runs down to a 1/1000 of the commits
// (those of the view's own share too); and churn totals and ownership
// with the scans' on a history where one identity made half of the
// commits, whose runs they read then.
func TestIdentRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for vk, v := range generatedViews(t) {
		s := v.churnSums()
		runs := v.buildIdentRuns(s, 1000)
		if runs == nil || v.runs == nil {
			t.Fatalf("view %d: no identity has runs", vk)
		}
		keep := make([]bool, len(v.x.Paths))
		for p := range keep {
			keep[p] = r.IntN(3) > 0
		}
		checked := 0
		for id := range v.x.Idents {
			if !runs.has(id) {
				continue
			}
			for range 8 {
				lo := r.IntN(s.commits + 1)
				hi := []int{lo + r.IntN(s.commits+1-lo), s.commits}[r.IntN(2)]
				if r.IntN(4) == 0 {
					lo = 0
				}
				for _, kp := range [][]bool{nil, keep} {
					want := make([]pathTotals, len(v.x.Paths))
					for p := range uint32(len(want)) {
						first, end := s.window(p, lo, hi)
						for e := first; e < end; e++ {
							if s.ident[e] == uint32(id) && (kp == nil || kp[p]) {
								added, deleted := s.change(p, e)
								want[p].added += uint64(added)
								want[p].deleted += uint64(deleted)
								want[p].commits++
							}
						}
					}
					got := make([]pathTotals, len(want))
					runs.add(got, kp, id, lo, hi, false)
					if !slices.Equal(got, want) {
						t.Fatalf("view %d, identity %d, ranks [%d, %d): totals from runs differ from the scan's", vk, id, lo, hi)
					}
					runs.add(got, kp, id, lo, hi, true)
					if !slices.Equal(got, make([]pathTotals, len(want))) {
						t.Fatalf("view %d, identity %d, ranks [%d, %d): taking the runs away leaves totals", vk, id, lo, hi)
					}
					checked++
				}
			}
		}
		if checked < 100 {
			t.Fatalf("view %d: only %d identity windows checked", vk, checked)
		}
	}
	// Half of the commits by one identity: its runs (at most a path
	// each) are fewer than its commits in most windows.
	half := *generatedViews(t)[0].x
	half.Author = slices.Clone(half.Author)
	for i := 0; i < half.Len(); i += 2 {
		half.Author[i] = half.Author[0]
	}
	v := NewView(&half)
	for fk, f := range fastPathFilters(v) {
		keep := v.pathFilter(normalise(f.Extensions, extension), normalise(f.Paths, pathPrefix), v.excluded(f.Exclude))
		if got, want := v.churnTotals(f, keep), scanChurnTotals(v, f, keep); !slices.Equal(got, want) {
			t.Fatalf("one author of half the commits, filter %d %+v: churn totals differ from the scan's", fk, f)
		}
		got := v.Ownership(f, 1+fk%3)
		if dirs, summary := scanOwnership(v, f, 1+fk%3); !reflect.DeepEqual(got.Directories, dirs) || !reflect.DeepEqual(got.Summary, summary) {
			t.Fatalf("one author of half the commits, filter %d %+v: ownership %+v, scan %+v", fk, f, got.Summary, summary)
		}
	}
}

// TestChurnSumsLeftOutPastUint32 guards the running totals' width: when a
// path changed 2^32 lines or more they are not exact, and churn sums by a
// scan.
func TestChurnSumsLeftOutPastUint32(t *testing.T) {
	const big = 3_000_000_000
	x := &index.Index{
		Idents: []index.Ident{{Name: "A", Email: "a@example.com"}}, Author: make([]uint32, 3),
		AuthorTime: []int64{3000, 2000, 1000}, Parents: []uint16{1, 1, 0},
		HasStats: true, Added: []uint32{big, big, 1}, Deleted: make([]uint32, 3), FilesChanged: []uint32{1, 1, 1},
		ChangeOff: []uint32{0, 1, 2, 3}, ChangePath: make([]uint32, 3), ChangeAdded: []uint32{big, big, 1}, ChangeDeleted: make([]uint32, 3),
		Paths: []string{"a.txt"},
	}
	v := NewView(x)
	if v.churnSums().exact {
		t.Fatal("running totals called exact for a path past 2^32 lines")
	}
	if files := v.Churn(Filter{}).Files; len(files) != 1 || files[0].Additions != 2*big+1 || files[0].Commits != 3 {
		t.Fatalf("churn %+v, want 6000000001 lines added by 3 commits", files)
	}
}

// scanOwners is what newOwners sums, by a scan of every commit: the lines
// changed per listed path and author name.
func scanOwners(v *View, f Filter, keep []bool) map[uint32]map[uint32]uint64 {
	x := v.x
	q := v.compile(f)
	out := map[uint32]map[uint32]uint64{}
	for i := range x.Len() {
		if !q.matches(i) || x.IsMerge(i) {
			continue
		}
		lo, hi := x.Changes(i)
		for j := lo; j < hi; j++ {
			p, n := x.ChangePath[j], x.ChangeAdded[j]+x.ChangeDeleted[j]
			if n == 0 || (keep != nil && !keep[p]) {
				continue
			}
			if out[p] == nil {
				out[p] = map[uint32]uint64{}
			}
			out[p][v.nameID[x.Author[i]]] += uint64(n)
		}
	}
	return out
}

// scanOwnership is Ownership's directories and summary from scanOwners'
// sums, by the documented rules, with maps.
func scanOwnership(v *View, f Filter, depth int) ([]DirectoryOwnership, DirectoryOwnership) {
	keep := v.pathFilter(normalise(f.Extensions, extension), normalise(f.Paths, pathPrefix), v.excluded(f.Exclude))
	lines := scanOwners(v, f, keep)
	groups := map[string][]uint32{}
	var all []uint32
	for p := range lines {
		dir := directory(v.x.Paths[p], depth)
		groups[dir] = append(groups[dir], p)
		all = append(all, p)
	}
	group := func(path string, paths []uint32) DirectoryOwnership {
		d := DirectoryOwnership{Path: path, Files: len(paths), TopAuthors: []AuthorShare{}, BusFactorAuthors: []string{}}
		byName := map[uint32]uint64{}
		activeOn := map[uint32]int{}
		fileActive := map[uint32][]uint32{}
		for _, p := range paths {
			var top uint64
			for _, n := range lines[p] {
				top = max(top, n)
			}
			for name, n := range lines[p] {
				byName[name] += n
				d.Changes += int(n)
				if float64(n) >= ActiveShare*float64(top) {
					activeOn[name]++
					fileActive[p] = append(fileActive[p], name)
				}
			}
		}
		d.Authors = len(byName)
		names := slices.Collect(maps.Keys(byName))
		slices.SortFunc(names, func(a, b uint32) int { return cmp.Or(cmp.Compare(byName[b], byName[a]), cmp.Compare(a, b)) })
		for _, name := range names[:min(TopAuthors, len(names))] {
			d.TopAuthors = append(d.TopAuthors, AuthorShare{Name: v.names[name], Changes: int(byName[name]), Share: ratio(int(byName[name]), d.Changes)})
		}
		if len(names) > 0 {
			d.TopShare = d.TopAuthors[0].Share
		}
		names = slices.DeleteFunc(names, func(name uint32) bool { return activeOn[name] == 0 })
		slices.SortStableFunc(names, func(a, b uint32) int { return activeOn[b] - activeOn[a] })
		gone := map[uint32]bool{}
		for _, name := range names {
			orphans := 0
			for _, p := range paths {
				if !slices.ContainsFunc(fileActive[p], func(a uint32) bool { return !gone[a] }) {
					orphans++
				}
			}
			if 2*orphans > len(paths) {
				break
			}
			gone[name] = true
			d.BusFactorAuthors = append(d.BusFactorAuthors, v.names[name])
		}
		d.BusFactor = len(d.BusFactorAuthors)
		return d
	}
	dirs := []DirectoryOwnership{}
	for dir, paths := range groups {
		dirs = append(dirs, group(dir, paths))
	}
	slices.SortFunc(dirs, func(a, b DirectoryOwnership) int {
		return cmp.Or(cmp.Compare(b.Changes, a.Changes), strings.Compare(a.Path, b.Path))
	})
	return dirs, group(".", all)
}

// scanCoupling is Coupling's pairs and summary by a scan of every commit,
// counting the pairs in a map.
func scanCoupling(v *View, f Filter, opts CouplingOptions) ([]CoupledPair, CouplingSummary) {
	x := v.x
	opts = opts.withDefaults()
	keep := v.pathFilter(normalise(f.Extensions, extension), normalise(f.Paths, pathPrefix), v.excluded(f.Exclude))
	q := v.compile(f)
	var s CouplingSummary
	commits := make([]uint32, len(x.Paths))
	shared := map[[2]uint32]uint32{}
	for i := range x.Len() {
		if !q.matches(i) || x.IsMerge(i) {
			continue
		}
		lo, hi := x.Changes(i)
		if hi-lo > opts.MaxFiles {
			s.BulkCommits++
			continue
		}
		var files []uint32
		for _, p := range x.ChangePath[lo:hi] {
			if keep == nil || keep[p] {
				files = append(files, p)
			}
		}
		if len(files) > 0 {
			s.Commits++
		}
		for _, a := range files {
			commits[a]++
			for _, b := range files {
				if a < b {
					shared[[2]uint32{a, b}]++
				}
			}
		}
	}
	var keys []pairKey
	for ab, n := range shared {
		if n >= uint32(opts.MinShared) {
			keys = append(keys, newPairKey(ab[0], ab[1], n, commits, v.pathRank))
		}
	}
	s.Pairs = len(keys)
	slices.SortFunc(keys, func(a, b pairKey) int {
		if a.before(b, v.pathRank) {
			return -1
		}
		return 1
	})
	pairs := []CoupledPair{}
	for _, k := range keys[:min(len(keys), opts.Limit)] {
		pairs = append(pairs, CoupledPair{
			Path: x.Paths[k.path], CoupledPath: x.Paths[k.coupled], SharedCommits: int(k.shared),
			PathCommits: int(k.pathCommits), CoupledCommits: int(k.coupledCommits),
			Support:    ratio(int(k.shared), s.Commits),
			Confidence: ratio(int(k.shared), int(k.pathCommits)), CoupledConfidence: ratio(int(k.shared), int(k.coupledCommits)),
		})
	}
	return pairs, s
}

// scanChurnDirectories is churn's directories by a scan of the window's
// changes: the listed files' totals per directory, and each commit
// counted once per directory of its listed files.
func scanChurnDirectories(v *View, f Filter, depth int) []ChurnDirectory {
	x := v.x
	listedFiles := map[string]bool{}
	for _, file := range v.Churn(f).Files {
		listedFiles[file.Path] = true
	}
	dirs := map[string]*ChurnDirectory{}
	counted := map[string]int{}
	for i, j := range v.changes(f) {
		path := x.Paths[x.ChangePath[j]]
		if !listedFiles[path] {
			continue
		}
		name := directory(path, depth)
		d := dirs[name]
		if d == nil {
			d = &ChurnDirectory{Path: name}
			dirs[name] = d
		}
		d.Additions += int(x.ChangeAdded[j])
		d.Deletions += int(x.ChangeDeleted[j])
		d.Changes += int(x.ChangeAdded[j] + x.ChangeDeleted[j])
		if counted[name] != i+1 {
			counted[name] = i + 1
			d.Commits++
		}
	}
	for path := range listedFiles {
		dirs[directory(path, depth)].Files++
	}
	out := []ChurnDirectory{}
	for _, d := range dirs {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b ChurnDirectory) int {
		if a.Changes != b.Changes {
			return b.Changes - a.Changes
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out
}

// sharedNames returns a view of the generated history in which
// identities 1, 1+every, 1+2*every... have the name of the one before
// them.
func sharedNames(t *testing.T, every int) *View {
	t.Helper()
	shared := *generatedViews(t)[0].x
	shared.Idents = slices.Clone(shared.Idents)
	for id := 1; id < len(shared.Idents); id += every {
		shared.Idents[id].Name = shared.Idents[id-1].Name
	}
	return NewView(&shared)
}

// TestFileQueriesEqualScans compares churn's directories, the per-path
// sums of ownership and coupling's pair counts, read from the churn sums,
// the directory logs and per-query file lists, with scans of every
// commit. A third view gives pairs of identities one name, so that an
// e-mail filter keeps one identity of a name and drops the other (the
// totals per path and identity must then be summed per name).
func TestFileQueriesEqualScans(t *testing.T) {
	for vk, v := range append(generatedViews(t), sharedNames(t, 2)) {
		for fk, f := range fastPathFilters(v) {
			depth := 1 + fk%4
			if got, want := v.ChurnWith(f, ChurnOptions{DirectoryDepth: depth}).Directories, scanChurnDirectories(v, f, depth); !reflect.DeepEqual(got, want) {
				t.Fatalf("view %d, filter %d %+v, depth %d: directories %+v, scan %+v", vk, fk, f, depth, got, want)
			}
			got := v.Ownership(f, depth)
			if dirs, summary := scanOwnership(v, f, depth); !reflect.DeepEqual(got.Directories, dirs) || !reflect.DeepEqual(got.Summary, summary) {
				t.Fatalf("view %d, filter %d %+v, depth %d: ownership %+v, scan %+v", vk, fk, f, depth, got.Summary, summary)
			}
			opts := CouplingOptions{Limit: 1 + fk%60, MinShared: 1 + fk%4, MaxFiles: 2 + fk%30}
			coupling := v.Coupling(f, opts)
			if pairs, summary := scanCoupling(v, f, opts); !reflect.DeepEqual(coupling.Pairs, pairs) || coupling.Summary != summary {
				t.Fatalf("view %d, filter %d %+v, %+v: coupling %+v with %d pairs, scan %+v with %d", vk, fk, f, opts, coupling.Summary, len(coupling.Pairs), summary, len(pairs))
			}
			if coupling.Summary.Pairs == 0 && fk%5 == 0 && f.From.IsZero() && f.To.IsZero() && f.Authors == nil {
				t.Fatalf("view %d, filter %d: no coupled pairs over the whole history", vk, fk)
			}
		}
	}
}

// TestOwnershipFewTopIdents compares ownership with scans of every commit
// when the totals per path and identity note only one or two identities
// with the most lines per path (see pathIdents.top): most files' active
// authors are then read from all of their identities.
func TestOwnershipFewTopIdents(t *testing.T) {
	for vk, v := range generatedViews(t) {
		for _, width := range []int{1, 2} {
			v.idents = v.buildPathIdents(v.churnSums(), width)
			v.dirIdentCache.byDepth = nil
			for fk, f := range fastPathFilters(v) {
				depth := 1 + fk%4
				got := v.Ownership(f, depth)
				if dirs, summary := scanOwnership(v, f, depth); !reflect.DeepEqual(got.Directories, dirs) || !reflect.DeepEqual(got.Summary, summary) {
					t.Fatalf("view %d, width %d, filter %d %+v, depth %d: ownership %+v, scan %+v", vk, width, fk, f, depth, got.Summary, summary)
				}
			}
		}
	}
}

// TestDirIdentsDerived compares the totals per directory and identity
// that the churn sums make for the first depths (each from the one below)
// with those made from the totals per path and identity, directory by
// directory of each path.
func TestDirIdentsDerived(t *testing.T) {
	for vk, v := range append(generatedViews(t), sharedNames(t, 3)) {
		pi := v.pathIdents()
		for depth := 1; depth <= prewarmOwnerDepths; depth++ {
			got, want := v.dirIdents(depth), v.pathDirIdents(pi, depth)
			type dir struct {
				name     string
				files    uint32
				distinct bool
				lines    map[uint32]uint64
			}
			of := func(d *dirIdents, p int) dir {
				k := d.dirOf[p]
				out := dir{d.names[k], d.files[k], d.distinct[k], map[uint32]uint64{}}
				for e := d.off[k]; e < d.off[k+1]; e++ {
					out.lines[d.ident[e]] = d.lines[e]
				}
				return out
			}
			for p := range v.x.Paths {
				if g, w := of(got, p), of(want, p); !reflect.DeepEqual(g, w) {
					t.Fatalf("view %d, depth %d, path %s: %+v, from the paths %+v", vk, depth, v.x.Paths[p], g, w)
				}
			}
		}
	}
}

// TestOwnershipSplitEqualsScans compares ownership read in two
// goroutines, whatever the work (see ownerSplitWork), with scans of every
// commit: the goroutines share a directory or meet between two.
func TestOwnershipSplitEqualsScans(t *testing.T) {
	defer func(w int) { ownerSplitWork = w }(ownerSplitWork)
	ownerSplitWork = 1
	for vk, v := range append(generatedViews(t), sharedNames(t, 2)) {
		for fk, f := range fastPathFilters(v) {
			for depth := 1; depth <= 4; depth++ {
				got := v.Ownership(f, depth)
				if dirs, summary := scanOwnership(v, f, depth); !reflect.DeepEqual(got.Directories, dirs) || !reflect.DeepEqual(got.Summary, summary) {
					t.Fatalf("view %d, filter %d %+v, depth %d: ownership %+v, scan %+v", vk, fk, f, depth, got.Summary, summary)
				}
			}
		}
	}
}
