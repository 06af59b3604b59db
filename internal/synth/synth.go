// Package synth writes synthetic git histories as git fast-import streams,
// for benchmarks at sizes no public repository at hand has (a million
// commits) and for tests that compare answers on histories of a realistic
// shape.
//
// A history has the shape of a long-lived project: hundreds of people
// (a few very active, many occasional, the active ones changing over the
// years), each with raw identities that a .mailmap merges, a few bots;
// thousands of files in directories with several extensions, appearing as
// the project grows and now and then deleted; commits that change one to
// a few dozen files with real line edits (so that git's numstat has real
// numbers), now and then a bulk commit; topic branches merged into main
// with merge commits; author dates spread over years, and a few commits
// whose dates are out of order (old patches applied late, clocks set
// wrong).
//
// The stream is a function of Options alone: the same options give the
// same repository, object names included.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// Options describe a history. Zero fields take the defaults.
type Options struct {
	// Commits is the number of commits reachable from main, merges
	// included (at least 2).
	Commits int
	// Authors is the number of people (default 600); each may have
	// several raw identities.
	Authors int
	// Paths is the number of distinct file paths the history touches
	// (default 8000).
	Paths int
	// Years is the span of the author dates (default 15), ending at
	// Start + Years.
	Years int
	// Start is the first commit's date (default 2010-01-01 UTC).
	Start time.Time
	// Seed chooses the history; the same seed gives the same stream.
	Seed uint64
}

func (o Options) withDefaults() Options {
	if o.Authors <= 0 {
		o.Authors = 600
	}
	if o.Paths <= 0 {
		o.Paths = 8000
	}
	if o.Years <= 0 {
		o.Years = 15
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	o.Commits = max(o.Commits, 2)
	return o
}

// Branch is the branch a stream builds (refs/heads/main); topic branches
// are under refs/heads/topic/ and all merged into it by the end.
const Branch = "refs/heads/main"

// maxTopics is how many topic branches are open at once.
const maxTopics = 8

// person is one author: the identity .mailmap maps to, and the raw ones
// the commits carry.
type person struct {
	name, email string
	raw         []ident
	zone        string // UTC offset, "+0100"
	home        int    // directory the person mostly works in
}

type ident struct{ name, email string }

// file is the state of one path: its lines as tokens (nil: absent).
type file struct {
	lines  []uint32
	locked bool // changed on an open topic branch
}

// topic is an open topic branch.
type topic struct {
	slot     int
	author   int
	left     int    // commits still to make
	files    []int  // paths it changed
	lastMark int    // its tip (0: no commit yet)
	name     string // branch name, for the merge message
}

// gen holds the generator's state.
type gen struct {
	o   Options
	r   *rand.Rand
	w   *bufio.Writer
	buf []byte

	people []person
	bots   []ident
	// weights are the cumulative activity weights of the people.
	weights []float64

	paths []string
	dirs  [][]int // path ids per directory
	home  []int   // directories people work in (not vendor or docs)
	files []file
	token uint32

	made     int // commits written
	mark     int
	now      int64 // the clock of main, Unix seconds
	step     float64
	topics   []*topic
	slots    [maxTopics]bool
	topicSeq int
}

// Write writes the fast-import stream of the history o describes to w.
func Write(w io.Writer, o Options) error {
	o = o.withDefaults()
	g := &gen{o: o, r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)), w: bufio.NewWriterSize(w, 1<<20)}
	g.makePeople()
	g.makePaths()
	span := time.Duration(o.Years) * 365 * 24 * time.Hour
	g.now = o.Start.Unix()
	g.step = span.Seconds() / float64(o.Commits)
	g.first()
	for g.made < o.Commits {
		g.next()
	}
	return g.w.Flush()
}

var (
	firstNames = []string{"Ada", "Alan", "Barbara", "Brian", "Carla", "Chen", "Dana", "Dmitri", "Elena", "Emeka", "Fatima", "Felix",
		"Grace", "Hiro", "Ines", "Ivan", "Jana", "Jorge", "Kai", "Kofi", "Lena", "Luis", "Maya", "Mehmet", "Nadia", "Nils",
		"Olga", "Omar", "Priya", "Pavel", "Quinn", "Rosa", "Rahul", "Sara", "Sven", "Tariq", "Tomoko", "Uma", "Viktor", "Wei",
		"Xena", "Yusuf", "Zoe", "Junio", "Linus", "Jeff", "Taylor", "René", "Zoë", "Łukasz"}
	lastNames = []string{"Adams", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hamano", "Ivanova", "Jensen",
		"Kowalski", "Lopez", "Müller", "Nakamura", "Okafor", "Petrov", "Quist", "Rossi", "Schmidt", "Tanaka", "Ueda",
		"Virtanen", "Wang", "Xu", "Yilmaz", "Zhang", "O'Brien", "van der Berg", "Nguyen", "Singh"}
	zones     = []string{"+0000", "+0100", "+0200", "-0500", "-0800", "+0530", "+0900", "-0300", "+0800", "-0700", "+1000"}
	domains   = []string{"example.com", "example.org", "corp.example", "mail.example.net"}
	topDirs   = []string{"src", "lib", "internal", "cmd", "pkg", "api", "web", "tools", "tests", "docs", "scripts", "contrib", "vendor", "third_party"}
	languages = [][]string{{"c", "h"}, {"go"}, {"js", "ts", "json"}, {"py"}, {"rs"}, {"java"}, {"c", "h", "S"}}
	docExts   = []string{"md", "txt", "rst", "adoc"}
	modules   = []string{"net", "io", "db", "ui", "auth", "cache", "log", "http", "core", "fs", "sched", "crypto", "parse", "render"}
	verbs     = []string{"fix", "add", "remove", "refactor", "speed up", "document", "test", "simplify", "rename", "handle", "avoid", "support"}
	nouns     = []string{"the parser", "a race in the cache", "error messages", "option parsing", "the config loader", "memory use",
		"a leak on close", "tests for empty input", "the build", "Windows paths", "the index format", "unicode names", "a typo",
		"the retry loop", "large files", "the docs of the API"}
)

func (g *gen) makePeople() {
	n := g.o.Authors
	g.people = make([]person, n)
	g.weights = make([]float64, n)
	sum := 0.0
	for k := range g.people {
		first, last := firstNames[k%len(firstNames)], lastNames[(k/len(firstNames))%len(lastNames)]
		name := first + " " + last
		if k >= len(firstNames)*len(lastNames) {
			name += " " + strconv.Itoa(k)
		}
		user := fmt.Sprintf("%s.%s%d", asciiLower(first), asciiLower(last), k)
		p := person{
			name:  name,
			email: user + "@" + domains[k%len(domains)],
			zone:  zones[g.r.IntN(len(zones))],
			home:  g.r.IntN(1 << 30),
		}
		p.raw = []ident{{p.name, p.email}}
		if g.r.IntN(10) < 4 { // an old address
			p.raw = append(p.raw, ident{p.name, fmt.Sprintf("%s@old-%s", user, domains[(k+1)%len(domains)])})
		}
		if g.r.IntN(10) < 3 { // a GitHub no-reply address and a short name
			p.raw = append(p.raw, ident{asciiLower(first), fmt.Sprintf("%d+%s@users.noreply.github.com", 1000+k, user)})
		}
		g.people[k] = p
		// A few people make most commits (Zipf-like).
		sum += 1 / float64(k+1)
		g.weights[k] = sum
	}
	g.bots = []ident{
		{"dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"},
		{"renovate[bot]", "29139614+renovate[bot]@users.noreply.github.com"},
		{"github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com"},
	}
}

// asciiLower lower-cases s and keeps only ASCII letters, for e-mail
// addresses.
func asciiLower(s string) string {
	b := make([]byte, 0, len(s))
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// makePaths lays out the files: directories two or three levels deep, a
// language per directory, documentation, vendored code and lock files.
func (g *gen) makePaths() {
	g.paths = []string{"README.md", "Makefile", ".gitignore", "go.sum", "package-lock.json", "yarn.lock", "CHANGELOG.md", ".mailmap"}
	g.dirs = [][]int{{0, 1, 2, 3, 4, 5, 6}}
	seen := map[string]bool{}
	for _, p := range g.paths {
		seen[p] = true
	}
	for len(g.paths) < g.o.Paths {
		top := topDirs[g.r.IntN(len(topDirs))]
		dir := fmt.Sprintf("%s/%s%d", top, modules[g.r.IntN(len(modules))], g.r.IntN(40))
		if g.r.IntN(3) == 0 {
			dir += "/sub" + strconv.Itoa(g.r.IntN(8))
		}
		if seen[dir+"/"] {
			continue
		}
		seen[dir+"/"] = true
		exts := languages[g.r.IntN(len(languages))]
		if top == "docs" {
			exts = docExts
		}
		var ids []int
		for n := 3 + g.r.IntN(60); n > 0 && len(g.paths) < g.o.Paths; n-- {
			ext := exts[g.r.IntN(len(exts))]
			name := fmt.Sprintf("%s/%s%d.%s", dir, []string{"util", "core", "io", "test_", "main", "types", "parse", "min"}[g.r.IntN(8)], g.r.IntN(500), ext)
			if ext == "js" && g.r.IntN(10) == 0 {
				name = fmt.Sprintf("%s/bundle%d.min.js", dir, g.r.IntN(100))
			}
			if seen[name] {
				continue
			}
			seen[name] = true
			ids = append(ids, len(g.paths))
			g.paths = append(g.paths, name)
		}
		if len(ids) > 0 {
			if top != "docs" && top != "vendor" && top != "third_party" {
				g.home = append(g.home, len(g.dirs))
			}
			g.dirs = append(g.dirs, ids)
		}
	}
	g.files = make([]file, len(g.paths))
	for k := range g.people {
		g.people[k].home = g.home[g.people[k].home%len(g.home)]
	}
}

// first writes the root commit: README, .mailmap.
func (g *gen) first() {
	var mm []byte
	for _, p := range g.people {
		for _, id := range p.raw[1:] {
			if id.name == p.name {
				mm = fmt.Appendf(mm, "%s <%s> <%s>\n", p.name, p.email, id.email)
			} else {
				mm = fmt.Appendf(mm, "%s <%s> %s <%s>\n", p.name, p.email, id.name, id.email)
			}
		}
	}
	g.mark++
	p := &g.people[0]
	g.header(Branch, g.mark, p.raw[0], p.zone, g.now, p.raw[0], g.now, "Initial commit")
	g.modify(0)
	g.printf("M 100644 inline .mailmap\ndata %d\n%s\n", len(mm), mm)
	g.made++
}

// next writes one step: a commit on main, a commit on a topic, or a
// merge of a finished topic.
func (g *gen) next() {
	g.now += int64(g.step * (0.2 + 1.6*g.r.Float64()))
	left := g.o.Commits - g.made
	open := 0
	for _, t := range g.topics {
		open += t.left + 1
	}
	// Topics finish when the commits left are just enough to finish them
	// (open is never more than left); a finished topic is merged.
	if left <= open {
		if t := g.topics[0]; t.left > 0 {
			g.topicCommit(t)
		} else {
			g.merge(t)
			g.topics = g.topics[1:]
		}
		return
	}
	for k, t := range g.topics {
		if t.left == 0 {
			g.merge(t)
			g.topics = slices.Delete(g.topics, k, k+1)
			return
		}
	}
	switch r := g.r.IntN(100); {
	case r < 20 && len(g.topics) > 0:
		g.topicCommit(g.topics[g.r.IntN(len(g.topics))])
	case r < 26 && len(g.topics) < maxTopics:
		g.openTopic(left - open)
	default:
		g.mainCommit()
	}
}

// pickAuthor draws a person, the active ones changing over the years.
func (g *gen) pickAuthor() int {
	z, _ := slices.BinarySearch(g.weights, g.r.Float64()*g.weights[len(g.weights)-1])
	era := int(float64(g.made) / float64(g.o.Commits) * float64(len(g.people)) * 0.7)
	// The two most active people stay all along.
	if z < 2 {
		return z
	}
	return 2 + (z-2+era)%(len(g.people)-2)
}

// pickFiles draws the paths a commit changes, mostly from one directory,
// none locked by an open topic.
func (g *gen) pickFiles(author int) []int {
	var n int
	switch r := g.r.IntN(1000); {
	case r < 450:
		n = 1
	case r < 750:
		n = 2 + g.r.IntN(2)
	case r < 950:
		n = 4 + g.r.IntN(7)
	case r < 998:
		n = 11 + g.r.IntN(50)
	default:
		n = 100 + g.r.IntN(200) // a bulk change
	}
	dir := g.people[author].home
	out := make([]int, 0, n)
	for tries := 0; len(out) < n && tries < 4*n+8; tries++ {
		if tries > 0 && g.r.IntN(4) == 0 {
			dir = g.r.IntN(len(g.dirs))
		}
		ids := g.dirs[dir]
		p := ids[g.r.IntN(len(ids))]
		// Files appear as the project grows.
		if !g.born(p) || g.files[p].locked || slices.Contains(out, p) {
			continue
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		out = append(out, 0) // README.md: never locked for long
		if g.files[0].locked {
			out[0] = 6
		}
	}
	return out
}

// born reports whether path p may exist by now: paths appear in id
// order as the history goes on.
func (g *gen) born(p int) bool {
	progress := float64(g.made) / float64(g.o.Commits)
	return float64(p) <= float64(len(g.paths))*(0.05+0.95*progress)
}

// mainCommit writes one commit on main.
func (g *gen) mainCommit() {
	who := g.pickAuthor()
	p := &g.people[who]
	author, zone := p.raw[g.r.IntN(len(p.raw))], p.zone
	var paths []int
	if g.r.IntN(200) == 0 {
		author, zone = g.bots[g.r.IntN(len(g.bots))], "+0000"
		paths = []int{3 + g.r.IntN(3)} // a lock file
		if g.files[paths[0]].locked {
			paths[0] = 6
		}
	} else {
		paths = g.pickFiles(who)
	}
	authorTime := g.authorTime()
	g.mark++
	g.header(Branch, g.mark, author, zone, authorTime, author, g.commitTime(), g.subject(paths[0]))
	for _, f := range paths {
		g.modify(f)
	}
	g.made++
}

// authorTime is a while before now (see delay), or for a few commits a
// date far out of order: an old patch applied years later, or a clock set
// wrong (ahead).
func (g *gen) authorTime() int64 {
	switch g.r.IntN(20000) {
	case 0, 1:
		return g.now - int64(g.r.IntN(5*365*86400))
	case 2:
		return g.now + int64(g.r.IntN(3*365*86400))
	}
	return g.now - g.delay()
}

// delay is how long before its commit a change was written: mostly within
// the hour, often days (a patch applied later), now and then months.
func (g *gen) delay() int64 {
	switch r := g.r.IntN(100); {
	case r < 70:
		return int64(g.r.IntN(3600))
	case r < 95:
		return int64(g.r.IntN(3 * 86400))
	default:
		return int64(g.r.IntN(60 * 86400))
	}
}

// commitTime is now, or now and then a committer clock a little behind.
func (g *gen) commitTime() int64 {
	if g.r.IntN(50000) == 0 {
		return g.now - int64(g.r.IntN(30*86400))
	}
	return g.now
}

// openTopic opens a topic branch that needs fewer than room commits,
// its merge included, and writes its first commit.
func (g *gen) openTopic(room int) {
	t := &topic{author: g.pickAuthor(), left: 1 + g.r.IntN(6)}
	if t.left+1 >= room {
		g.mainCommit()
		return
	}
	for s, used := range g.slots {
		if !used {
			t.slot = s
			break
		}
	}
	g.slots[t.slot] = true
	g.topicSeq++
	t.name = fmt.Sprintf("%s/%s-%d", asciiLower(g.people[t.author].name)[:2], []string{"fix", "feature", "cleanup", "docs", "perf"}[g.r.IntN(5)], g.topicSeq)
	g.topics = append(g.topics, t)
	g.topicCommit(t)
}

// topicCommit writes one commit on topic t.
func (g *gen) topicCommit(t *topic) {
	p := &g.people[t.author]
	paths := g.pickFiles(t.author)
	g.mark++
	g.header(fmt.Sprintf("refs/heads/topic/%d", t.slot), g.mark, p.raw[0], p.zone, g.now-g.delay(), p.raw[0], g.now, g.subject(paths[0]))
	if t.lastMark == 0 {
		// A new topic starts at main's tip: naming the branch lets
		// fast-import take main's tree without reading the pack back.
		g.printf("from %s\n", Branch)
	}
	t.lastMark = g.mark
	for _, f := range paths {
		g.modify(f)
		if !g.files[f].locked {
			g.files[f].locked = true
			t.files = append(t.files, f)
		}
	}
	t.left--
	g.made++
}

// merge merges topic t into main: the merge's tree is main's with the
// topic's files as the topic left them (main did not touch them).
func (g *gen) merge(t *topic) {
	m := &g.people[0]
	if g.made%2 == 1 {
		m = &g.people[1]
	}
	g.mark++
	g.header(Branch, g.mark, m.raw[0], m.zone, g.now, m.raw[0], g.now, fmt.Sprintf("Merge branch '%s'", t.name))
	g.printf("merge :%d\n", t.lastMark)
	for _, f := range t.files {
		g.files[f].locked = false
		g.write(f)
	}
	g.slots[t.slot] = false
	g.made++
}

// subject words a commit message about path p.
func (g *gen) subject(p int) string {
	area := g.paths[p]
	for k := len(area) - 1; k > 0; k-- {
		if area[k] == '/' {
			area = area[:k]
			break
		}
	}
	return fmt.Sprintf("%s: %s %s", area, verbs[g.r.IntN(len(verbs))], nouns[g.r.IntN(len(nouns))])
}

// header starts a commit.
func (g *gen) header(ref string, mark int, author ident, zone string, at int64, committer ident, ct int64, msg string) {
	g.printf("commit %s\nmark :%d\nauthor %s <%s> %d %s\ncommitter %s <%s> %d %s\ndata %d\n%s\n",
		ref, mark, author.name, author.email, at, zone, committer.name, committer.email, ct, zone, len(msg), msg)
}

// modify changes file p: creates it, edits lines, or (rarely) deletes it.
func (g *gen) modify(p int) {
	f := &g.files[p]
	switch {
	case f.lines == nil:
		n := 3 + g.r.IntN(40)
		f.lines = make([]uint32, n)
		for k := range f.lines {
			f.lines[k] = g.newToken()
		}
	case g.r.IntN(400) == 0 && p > 7:
		f.lines = nil
		g.printf("D %s\n", g.paths[p])
		return
	default:
		g.edit(f)
	}
	g.write(p)
}

// edit replaces, inserts and deletes lines at one or two places.
func (g *gen) edit(f *file) {
	for range 1 + g.r.IntN(2) {
		at := g.r.IntN(len(f.lines) + 1)
		size := 1 + g.r.IntN(5)
		if g.r.IntN(25) == 0 {
			size = 10 + g.r.IntN(60)
		}
		op := g.r.IntN(3)
		if op == 1 && len(f.lines) > 60 {
			op = 2 // long files shrink more than they grow
		}
		switch op {
		case 0: // replace
			for k := at; k < min(at+size, len(f.lines)); k++ {
				f.lines[k] = g.newToken()
			}
		case 1: // insert
			ins := make([]uint32, size)
			for k := range ins {
				ins[k] = g.newToken()
			}
			f.lines = slices.Insert(f.lines, at, ins...)
		default: // delete, keeping a line at least
			end := min(at+size, len(f.lines))
			if end-at < len(f.lines) {
				f.lines = slices.Delete(f.lines, at, end)
			}
		}
	}
}

func (g *gen) newToken() uint32 {
	g.token++
	return g.token
}

// write writes file p's content inline.
func (g *gen) write(p int) {
	f := &g.files[p]
	if f.lines == nil {
		g.printf("D %s\n", g.paths[p])
		return
	}
	b := g.buf[:0]
	for _, t := range f.lines {
		b = strconv.AppendUint(b, uint64(t), 36)
		b = append(b, '\n')
	}
	g.buf = b
	g.printf("M 100644 inline %s\ndata %d\n", g.paths[p], len(b))
	_, _ = g.w.Write(b) // a write error is kept by the bufio.Writer and returned by Flush
	_ = g.w.WriteByte('\n')
}

func (g *gen) printf(format string, args ...any) {
	_, _ = fmt.Fprintf(g.w, format, args...) // kept by the bufio.Writer and returned by Flush
}
