package analytics

import (
	"cmp"
	"iter"
	"math"
	"slices"
	"strings"
	"time"
)

// RiskLevel grades how often a file changes.
type RiskLevel string

// Risk levels, from the number of commits that touched a file.
const (
	RiskLow      RiskLevel = "low"
	RiskMedium   RiskLevel = "medium"
	RiskHigh     RiskLevel = "high"
	RiskCritical RiskLevel = "critical"
)

// The least number of commits touching a file for each risk level above
// low.
const (
	CriticalCommits = 50
	HighCommits     = 30
	MediumCommits   = 15
)

// ChurnResponse is the body of /api/repositories/churn.
type ChurnResponse struct {
	ChurnData ChurnData `json:"churnData"`
}

// ChurnData is code churn per file.
type ChurnData struct {
	// Files are sorted by changes, largest first, then by path; never nil.
	Files    []ChurnFile   `json:"files"`
	Summary  ChurnSummary  `json:"summary"`
	Metadata ChurnMetadata `json:"metadata"`
	// Directories are the totals per directory, when asked for
	// (ChurnOptions.DirectoryDepth), sorted like Files.
	Directories []ChurnDirectory `json:"directories,omitempty"`
	// StatsPending reports that line statistics are still being indexed;
	// Files is empty until they are.
	StatsPending bool `json:"statsPending"`
}

// ChurnDirectory sums up the churn of the listed files in one directory
// (at any depth below it).
type ChurnDirectory struct {
	// Path is the directory, cut to the depth asked for; "." holds the
	// files at the top of the repository.
	Path      string `json:"path"`
	Additions int    `json:"additions"`
	Deletions int    `json:"deletions"`
	Changes   int    `json:"changes"`
	// Commits counts the commits that touched one of its files or more.
	Commits int `json:"commits"`
	// Files counts its files.
	Files int `json:"files"`
}

// ChurnOptions shape a churn answer beyond the files its filter selects.
type ChurnOptions struct {
	// Limit keeps only the Limit files with the most changes; 0 keeps
	// them all. The summary and directories still cover every file.
	Limit int
	// DirectoryDepth, when above 0, adds the totals per directory cut to
	// that many path components.
	DirectoryDepth int
}

// ChurnFile is the churn of one path.
type ChurnFile struct {
	Path      string `json:"path"`
	Additions int    `json:"additions"`
	Deletions int    `json:"deletions"`
	// Changes is Additions + Deletions.
	Changes int `json:"changes"`
	// Commits counts the commits that touched the path.
	Commits   int       `json:"commits"`
	RiskLevel RiskLevel `json:"riskLevel"`
}

// ChurnSummary sums up the listed files.
type ChurnSummary struct {
	TotalFiles int `json:"totalFiles"`
	// HighRiskFiles counts files of high or critical risk.
	HighRiskFiles int `json:"highRiskFiles"`
	// AverageChanges is the mean of the files' changes, to one decimal.
	AverageChanges float64 `json:"averageChanges"`
}

// ChurnMetadata describes how churn was computed.
type ChurnMetadata struct {
	// DateRange is the window covered: the filter's dates, or else the
	// first and last author dates of the history (empty strings for a
	// history without commits).
	DateRange      DateRange      `json:"dateRange"`
	Filters        ChurnFilters   `json:"filters"`
	RiskThresholds RiskThresholds `json:"riskThresholds"`
}

// ChurnFilters echoes the filters and options applied; absent ones are
// omitted.
type ChurnFilters struct {
	MinChanges int      `json:"minChanges,omitempty"`
	Extensions []string `json:"extensions,omitempty"`
	Paths      []string `json:"paths,omitempty"`
	Authors    []string `json:"authors,omitempty"`
	// ExcludeBots and Exclude echo Filter.ExcludeBots and Filter.Exclude.
	ExcludeBots bool     `json:"excludeBots,omitempty"`
	Exclude     []string `json:"exclude,omitempty"`
	Limit       int      `json:"limit,omitempty"`
	// Depth is the directory depth of Directories.
	Depth int `json:"depth,omitempty"`
}

// RiskThresholds are the least commits for each risk level above low.
type RiskThresholds struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
}

// Risk grades a file touched by commits commits.
func Risk(commits int) RiskLevel {
	switch {
	case commits >= CriticalCommits:
		return RiskCritical
	case commits >= HighCommits:
		return RiskHigh
	case commits >= MediumCommits:
		return RiskMedium
	default:
		return RiskLow
	}
}

// pathTotals accumulates the churn of one path.
type pathTotals struct {
	added, deleted uint64
	commits        uint32
}

// Churn sums, per path, the lines changed by the non-merge commits that
// match f's authors and dates (the whole history without dates), keeps
// the paths that pass f's extension, path and minimum-changes filters, and
// lists them all.
func (v *View) Churn(f Filter) ChurnData { return v.ChurnWith(f, ChurnOptions{}) }

// ChurnWith is Churn shaped by opts: the top files only, and totals per
// directory.
func (v *View) ChurnWith(f Filter, opts ChurnOptions) ChurnData {
	exts := normalise(f.Extensions, extension)
	paths := normalise(f.Paths, pathPrefix)
	d := ChurnData{
		Files: []ChurnFile{},
		Metadata: ChurnMetadata{
			DateRange: v.historyRange(f.From, f.To),
			Filters: ChurnFilters{MinChanges: f.MinChanges, Extensions: exts, Paths: paths, Authors: f.Authors,
				ExcludeBots: f.ExcludeBots, Exclude: f.Exclude, Limit: max(opts.Limit, 0), Depth: max(opts.DirectoryDepth, 0)},
			RiskThresholds: RiskThresholds{Critical: CriticalCommits, High: HighCommits, Medium: MediumCommits},
		},
		StatsPending: !v.stats,
	}
	if d.StatsPending {
		return d
	}
	keep := v.pathFilter(exts, paths, v.excluded(f.Exclude))
	totals := v.churnTotals(f, keep)
	d.Files = v.churnFiles(totals, f.MinChanges)
	d.Summary = summarise(d.Files)
	if opts.DirectoryDepth > 0 {
		d.Directories = v.churnDirectories(f, totals, keep, f.MinChanges, opts.DirectoryDepth)
	}
	if opts.Limit > 0 && opts.Limit < len(d.Files) {
		d.Files = d.Files[:opts.Limit:opts.Limit]
	}
	return d
}

// churnDirectories sums the listed paths of totals (see listed) per
// directory cut to depth components, and counts the commits matching f
// that touched each directory's listed paths: for a directory all of
// whose files changed in the window are listed, its commits in the
// window (see dirLog); for the others, the distinct commits of its listed
// files' changes in the window. keep is the path filter totals were
// made with.
func (v *View) churnDirectories(f Filter, totals []pathTotals, keep []bool, minChanges, depth int) []ChurnDirectory {
	dl := v.dirLog(depth)
	// at[d] is 1 + the place of directory d in dirs, 0 when none of its
	// files is listed.
	at := make([]uint32, len(dl.names))
	var dirs []ChurnDirectory
	for p, t := range totals {
		if !listed(t, minChanges) {
			continue
		}
		id := dl.dirOf[p]
		if at[id] == 0 {
			dirs = append(dirs, ChurnDirectory{Path: dl.names[id]})
			at[id] = uint32(len(dirs))
		}
		d := &dirs[at[id]-1]
		d.Additions += int(t.added)
		d.Deletions += int(t.deleted)
		d.Changes += int(t.added + t.deleted)
		d.Files++
	}
	q := v.compile(f)
	s := v.churnSums()
	lo, hi := v.span(q.from, q.to)
	// partial[k]: dirs[k] has a file changed in the window (by an author
	// kept, or maybe: totals are not made for the files keep drops) that
	// is not listed.
	partial := make([]bool, len(dirs))
	some := false
	for p, t := range totals {
		k := at[dl.dirOf[p]]
		if k == 0 || partial[k-1] || listed(t, minChanges) {
			continue
		}
		if first, end := s.window(uint32(p), lo, hi); t.commits > 0 || (keep != nil && !keep[p] && first < end) {
			partial[k-1], some = true, true
		}
	}
	// kept has bit r-lo set when the commit of time rank r is by an
	// author kept: 1 bit per commit of the window read in the directory
	// logs instead of 4 bytes of v.sortedIdent each.
	var kept []uint64
	for id, k := range at {
		if k == 0 || partial[k-1] {
			continue
		}
		ranks := dl.ranks[dl.off[id]:dl.off[id+1]]
		a, _ := slices.BinarySearch(ranks, uint32(lo))
		b, _ := slices.BinarySearch(ranks[a:], uint32(hi))
		if q.authors == nil {
			dirs[k-1].Commits = b
			continue
		}
		if kept == nil {
			kept = v.keptRanks(&q, lo, hi)
		}
		n := uint64(0)
		for _, r := range ranks[a : a+b] {
			r -= uint32(lo)
			n += kept[r/64] >> (r % 64) & 1
		}
		dirs[k-1].Commits = int(n)
	}
	if some {
		v.countPartialDirectories(&q, dirs, at, partial, dl, totals, minChanges)
	}
	slices.SortFunc(dirs, func(a, b ChurnDirectory) int {
		return cmp.Or(cmp.Compare(b.Changes, a.Changes), strings.Compare(a.Path, b.Path))
	})
	if dirs == nil {
		dirs = []ChurnDirectory{}
	}
	return dirs
}

// keptRanks returns a bit per time rank of [lo, hi), set when q keeps
// its commit's author: set from the time ranks of the kept identities'
// commits in the window, or cleared from those of the others when they
// are fewer, instead of reading the identity of every commit in the
// window.
func (v *View) keptRanks(q *query, lo, hi int) []uint64 {
	kept := make([]uint64, (hi-lo+63)/64)
	n := 0
	for a, ok := range q.authors {
		if ok {
			n += v.identCount(a, q.from, q.to)
		}
	}
	set := n <= hi-lo-n
	if !set {
		// Bits past the window are set too: they are never read.
		for w := range kept {
			kept[w] = ^uint64(0)
		}
	}
	for a, ok := range q.authors {
		if ok != set {
			continue
		}
		from, to := v.identSpan(a, q.from, q.to)
		for _, r := range v.identRank[from:to] {
			r -= uint32(lo)
			kept[r/64] ^= 1 << (r % 64)
		}
	}
	return kept
}

// identBits returns 1 for each identity authors keeps, 0 for the others:
// a factor, or bits to or in, where a branch per commit or change on
// authors would be mispredicted often.
func identBits(authors []bool) []uint64 {
	bit := make([]uint64, len(authors))
	for id, ok := range authors {
		if ok {
			bit[id] = 1
		}
	}
	return bit
}

// countPartialDirectories counts the commits of q of the partial
// directories (see churnDirectories) from their listed files' changes in
// the window, one directory after the other: a commit is counted at its
// first change under the directory.
func (v *View) countPartialDirectories(q *query, dirs []ChurnDirectory, at []uint32, partial []bool, dl *dirLog, totals []pathTotals, minChanges int) {
	s := v.churnSums()
	lo, hi := v.span(q.from, q.to)
	// The listed files of the partial directories, by directory (a
	// counting sort).
	var keys, listedFiles []uint32
	for p, t := range totals {
		if k := at[dl.dirOf[p]]; k > 0 && partial[k-1] && listed(t, minChanges) {
			keys, listedFiles = append(keys, k-1), append(listedFiles, uint32(p))
		}
	}
	start, files := grouped(keys, listedFiles, len(dirs))
	// seen has bit r-lo set when the directory being counted has
	// counted rank r (cleared after each directory): 1 bit per commit of
	// the window, set and counted without a branch.
	seen := make([]uint64, (hi-lo+63)/64)
	var bit []uint64
	if q.authors != nil {
		bit = identBits(q.authors)
	}
	for k := range dirs {
		dirFiles := files[start[k]:start[k+1]]
		n := uint64(0)
		for _, p := range dirFiles {
			first, end := s.window(p, lo, hi)
			for e := first; e < end; e++ {
				r := s.rank[e] - uint32(lo)
				w := seen[r/64]
				b := w>>(r%64)&1 ^ 1
				if bit != nil {
					b &= bit[s.ident[e]]
				}
				n += b
				seen[r/64] = w | b<<(r%64)
			}
		}
		dirs[k].Commits += int(n)
		for _, p := range dirFiles {
			first, end := s.window(p, lo, hi)
			for _, r := range s.rank[first:end] {
				seen[(r-uint32(lo))/64] = 0
			}
		}
	}
}

// directory returns the directory of path p cut to at most depth
// components, "." for a file at the top.
func directory(p string, depth int) string {
	end := 0
	for k := 0; k < depth; k++ {
		slash := strings.IndexByte(p[end:], '/')
		if slash < 0 {
			break
		}
		end += slash + 1
	}
	if end == 0 {
		return "."
	}
	return p[:end-1]
}

// churnTotals sums the changes of the commits matching f per path, for
// the paths keep allows (all when nil).
func (v *View) churnTotals(f Filter, keep []bool) []pathTotals {
	x := v.x
	totals := make([]pathTotals, len(x.Paths))
	if q := v.compile(f); v.churnSums() != nil && v.churnSums().exact {
		v.churnBySums(&q, totals, keep)
		return totals
	}
	for _, j := range v.changes(f) {
		p := x.ChangePath[j]
		if keep != nil && !keep[p] {
			continue
		}
		t := &totals[p]
		t.added += uint64(x.ChangeAdded[j])
		t.deleted += uint64(x.ChangeDeleted[j])
		t.commits++
	}
	return totals
}

// changes yields (commit, change) index pairs for every file change of
// the non-merge commits matching f (merges carry no diff), a commit's
// changes one after the other (commits in no set order: see query.each).
func (v *View) changes(f Filter) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		x := v.x
		q := v.compile(f)
		for i := range q.each() {
			if x.IsMerge(i) {
				continue
			}
			lo, hi := x.Changes(i)
			for j := lo; j < hi; j++ {
				if !yield(i, j) {
					return
				}
			}
		}
	}
}

// churnFiles lists the touched paths with at least minChanges changes,
// largest first, then by path.
func (v *View) churnFiles(totals []pathTotals, minChanges int) []ChurnFile {
	keys := make([]fileKey, 0, len(totals))
	for _, p := range v.byPath {
		if t := totals[p]; listed(t, minChanges) {
			keys = append(keys, fileKey{t.added + t.deleted, p})
		}
	}
	keys = sortByChanges(keys)
	files := make([]ChurnFile, len(keys))
	for k, key := range keys {
		t := totals[key.path]
		files[k] = ChurnFile{
			Path:      v.x.Paths[key.path],
			Additions: int(t.added),
			Deletions: int(t.deleted),
			Changes:   int(key.changes),
			Commits:   int(t.commits),
			RiskLevel: Risk(int(t.commits)),
		}
	}
	return files
}

// listed reports whether a path with totals t is listed: touched, and
// with at least minChanges changes.
func listed(t pathTotals, minChanges int) bool {
	return t.commits > 0 && t.added+t.deleted >= uint64(max(minChanges, 0))
}

// fileKey is a path to sort by its changes.
type fileKey struct {
	changes uint64
	path    uint32
}

// sortByChanges orders keys by changes, largest first, keeping the order
// of equal keys. It is a radix sort, one byte per pass, that skips the
// bytes all keys share: churn lists thousands of files, which a comparison
// sort takes a millisecond over.
func sortByChanges(keys []fileKey) []fileKey {
	tmp := make([]fileKey, len(keys))
	for shift := 0; shift < 64; shift += 8 {
		digit := func(k fileKey) byte { return byte(^k.changes >> shift) }
		var start [256]int
		for _, k := range keys {
			start[digit(k)]++
		}
		if len(keys) == 0 || start[digit(keys[0])] == len(keys) {
			continue
		}
		sum := 0
		for d, n := range start {
			start[d], sum = sum, sum+n
		}
		for _, k := range keys {
			d := digit(k)
			tmp[start[d]] = k
			start[d]++
		}
		keys, tmp = tmp, keys
	}
	return keys
}

func summarise(files []ChurnFile) ChurnSummary {
	s := ChurnSummary{TotalFiles: len(files)}
	if len(files) == 0 {
		return s
	}
	sum := 0
	for _, f := range files {
		sum += f.Changes
		if f.RiskLevel == RiskHigh || f.RiskLevel == RiskCritical {
			s.HighRiskFiles++
		}
	}
	s.AverageChanges = math.Round(float64(sum)/float64(len(files))*10) / 10
	return s
}

// normalise applies fn to every string of list into a new list; nil stays
// nil.
func normalise(list []string, fn func(string) string) []string {
	if len(list) == 0 {
		return nil
	}
	out := make([]string, len(list))
	for k, s := range list {
		out[k] = fn(s)
	}
	return out
}

// extension normalises an extension filter: lower case, no leading dot.
func extension(e string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(e), "."))
}

// pathPrefix normalises a path filter: no leading "./" or slashes, no
// trailing slashes.
func pathPrefix(p string) string {
	return strings.Trim(strings.TrimPrefix(strings.TrimSpace(p), "./"), "/")
}

// pathFilter returns per path whether it has one of the (normalised)
// extensions exts, lies at or under one of the (normalised) prefixes and
// is not excluded (see View.excluded), or nil when it keeps every path.
func (v *View) pathFilter(exts, prefixes []string, excluded []bool) []bool {
	if len(exts) == 0 && len(prefixes) == 0 && excluded == nil {
		return nil
	}
	extOK := make([]bool, len(v.extID))
	for _, e := range exts {
		if id, ok := v.extID[e]; ok {
			extOK[id] = true
		}
	}
	keep := make([]bool, len(v.x.Paths))
	for p, name := range v.x.Paths {
		keep[p] = (len(exts) == 0 || extOK[v.pathExt[p]]) && (len(prefixes) == 0 || underAny(name, prefixes)) &&
			(excluded == nil || !excluded[p])
	}
	return keep
}

// underAny reports whether path is one of prefixes or lies under one.
func underAny(path string, prefixes []string) bool {
	for _, pre := range prefixes {
		if pre == "" || path == pre || (strings.HasPrefix(path, pre) && path[len(pre)] == '/') {
			return true
		}
	}
	return false
}

// historyRange returns the days from and to, each defaulting to the first
// or last author date of the history.
func (v *View) historyRange(from, to time.Time) DateRange {
	var r DateRange
	if n := len(v.sortedTime); n > 0 {
		r = DateRange{Start: formatDay(v.sortedTime[0]), End: formatDay(v.sortedTime[n-1])}
	}
	if !from.IsZero() {
		r.Start = day(from)
	}
	if !to.IsZero() {
		r.End = day(to)
	}
	return r
}
