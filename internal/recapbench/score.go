// Package recapbench measures the built-in summariser's release notes
// against the notes people wrote for the same releases: it reads the
// human notes stored in the repository being scored (git.git's
// Documentation/RelNotes/X.Y.Z.txt, redis' 00-RELEASENOTES), writes
// release notes for the same revision range, matches bullets to human
// items one to one, and reports topic recall, precision and filler.
package recapbench

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Item is one entry of release notes: a human item or a written bullet.
type Item struct {
	// Text is what it says, on one line.
	Text string
	// PRs are the pull requests it cites ("#12345").
	PRs []int
}

// Threshold is the least similarity (Dice coefficient of content words,
// see Similarity) at which a bullet covers a human item. It was fixed
// before any tuning and is the same for every project and release.
const Threshold = 0.3

var (
	prCite = regexp.MustCompile(`#(\d+)`)
	// maintMerge is git.git's "(merge 1234abcd ab/topic later to maint)."
	// note: it names the topic branch, which no bullet may be matched on.
	maintMerge = regexp.MustCompile(`\(merge [0-9a-f]+ [^)]*\)\.?`)
	wordRe     = regexp.MustCompile(`[a-z0-9]+`)
)

// newItem makes an item of text, its pull requests read from it.
func newItem(text string) Item {
	text = strings.Join(strings.Fields(maintMerge.ReplaceAllString(text, "")), " ")
	it := Item{Text: text}
	for _, m := range prCite.FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		it.PRs = append(it.PRs, n)
	}
	return it
}

// stopwords are words that say nothing about a topic.
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the and or but if then else of to in on at by for with from into onto
		as is are was were be been being has have had do does did not no nor so such that this these those
		it its it's their there them they we our you your he she his her which who whom what when where why how
		can could should would will may might must shall also now just only than too very more most much many
		some any all each every other others same own new use used using make made via per etc e g i
		when while after before about over under again further once here out up down off s t`) {
		stopwords[w] = true
	}
}

// words are the content words of text: lower case, letters and digits,
// stopwords and one-letter words dropped, a plural or verb ending cut.
func words(text string) map[string]bool {
	set := map[string]bool{}
	for _, w := range wordRe.FindAllString(strings.ToLower(prCite.ReplaceAllString(text, " ")), -1) {
		if len(w) < 2 || stopwords[w] {
			continue
		}
		set[stem(w)] = true
	}
	return set
}

// stem cuts a common English ending off w, so that "fixes", "fixed",
// "fixing" and "fix", or "lines" and "line", are one word.
func stem(w string) string {
	cut := func(suffix string) (string, bool) {
		if len(w)-len(suffix) >= 3 && strings.HasSuffix(w, suffix) {
			return w[:len(w)-len(suffix)], true
		}
		return w, false
	}
	for _, suffix := range []string{"ing", "ed", "ly"} {
		if s, ok := cut(suffix); ok {
			return s
		}
	}
	if s, ok := cut("es"); ok && (strings.HasSuffix(s, "s") || strings.HasSuffix(s, "x") || strings.HasSuffix(s, "z") || strings.HasSuffix(s, "ch") || strings.HasSuffix(s, "sh")) {
		return s
	}
	if s, ok := cut("s"); ok && !strings.HasSuffix(s, "s") {
		return s
	}
	return w
}

// Similarity is how much a and b say the same: 1 when they cite a pull
// request in common, else the Dice coefficient of their content words,
// 2|A∩B| / (|A|+|B|).
func Similarity(a, b Item) float64 {
	for _, p := range a.PRs {
		if slices.Contains(b.PRs, p) {
			return 1
		}
	}
	wa, wb := words(a.Text), words(b.Text)
	if len(wa)+len(wb) == 0 {
		return 0
	}
	common := 0
	for w := range wa {
		if wb[w] {
			common++
		}
	}
	return 2 * float64(common) / float64(len(wa)+len(wb))
}

// Score is the result of matching one release's bullets to its human
// items.
type Score struct {
	Human, Bullets, Matched, Filler int
	// Weak counts the matches below WeakBelow similarity (no pull request
	// in common), the ones most likely to be chance.
	Weak int
	// Pairs are the matches, bullet index then human index.
	Pairs [][2]int
}

// WeakBelow is the similarity under which a match is counted as weak.
const WeakBelow = 0.5

// Recall is the share of human items some bullet covers.
func (s Score) Recall() float64 { return ratio(s.Matched, s.Human) }

// Precision is the share of bullets that cover a human item.
func (s Score) Precision() float64 { return ratio(s.Matched, s.Bullets) }

// Add sums scores of several releases (micro-average).
func (s Score) Add(o Score) Score {
	return Score{Human: s.Human + o.Human, Bullets: s.Bullets + o.Bullets, Matched: s.Matched + o.Matched, Filler: s.Filler + o.Filler, Weak: s.Weak + o.Weak}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Match pairs bullets with human items one to one, greedily, the most
// similar pair first, among pairs at least Threshold similar; each bullet
// covers at most one item and each item is covered by at most one bullet.
func Match(bullets, human []Item) Score {
	type pair struct {
		b, h int
		sim  float64
	}
	var pairs []pair
	for i, b := range bullets {
		for j, h := range human {
			if sim := Similarity(b, h); sim >= Threshold {
				pairs = append(pairs, pair{i, j, sim})
			}
		}
	}
	slices.SortStableFunc(pairs, func(x, y pair) int {
		switch {
		case x.sim > y.sim:
			return -1
		case x.sim < y.sim:
			return 1
		}
		return 0
	})
	s := Score{Human: len(human), Bullets: len(bullets)}
	usedB, usedH := map[int]bool{}, map[int]bool{}
	for _, p := range pairs {
		if usedB[p.b] || usedH[p.h] {
			continue
		}
		usedB[p.b], usedH[p.h] = true, true
		s.Pairs = append(s.Pairs, [2]int{p.b, p.h})
		if p.sim < WeakBelow {
			s.Weak++
		}
	}
	s.Matched = len(s.Pairs)
	for _, b := range bullets {
		if Filler(b.Text) {
			s.Filler++
		}
	}
	return s
}

// filler matches what a bullet must never be: a raw merge subject, a bare
// tag or version, an "and N more" or "N other commits" lump, padding.
var filler = regexp.MustCompile(`(?i)(^merge (branch|pull request|remote-tracking|tag|commit)\b|^sync with\b|^v?\d+(\.\d+)+(-\w+)?\.?$|^(git|redis|release|version) v?\d+(\.\d+)+\.?$|\band \d+ more\b|\b\d+ other commits\b|no further activity)`)

// Filler reports whether bullet text is filler.
func Filler(text string) bool { return filler.MatchString(strings.TrimSpace(text)) }

// Bullets reads the bullets ("- " lines) of written release notes.
func Bullets(notes string) []Item {
	var items []Item
	for line := range strings.Lines(notes) {
		if b, ok := strings.CutPrefix(strings.TrimSpace(line), "- "); ok {
			items = append(items, newItem(b))
		}
	}
	return items
}
