package recap

import (
	"regexp"
	"strings"
)

// theme is what kind of change a topic is; themes are written in this
// order.
type theme int

const (
	themeFeat theme = iota
	themeFix
	themePerf
	themeDocs
	themeInternal
	themeIssue
)

// themeNames holds each theme's heading in release notes, the word a
// recap bullet starts with, and its nouns for counts.
var themeNames = [...]struct{ heading, label, one, many string }{
	themeFeat:     {"Features", "Feature", "feature", "features"},
	themeFix:      {"Fixes", "Fix", "fix", "fixes"},
	themePerf:     {"Performance", "Performance", "performance change", "performance changes"},
	themeDocs:     {"Documentation", "Documentation", "documentation change", "documentation changes"},
	themeInternal: {"Internal", "Internal", "internal change", "internal changes"},
	themeIssue:    {"Issues", "Issue", "issue", "issues"},
}

// commitTypes maps conventional-commit types to themes.
var commitTypes = map[string]theme{
	"feat": themeFeat, "feature": themeFeat,
	"fix": themeFix, "bugfix": themeFix, "hotfix": themeFix,
	"perf": themePerf,
	"docs": themeDocs, "doc": themeDocs,
	"refactor": themeInternal, "style": themeInternal, "test": themeInternal, "tests": themeInternal,
	"chore": themeInternal, "build": themeInternal, "ci": themeInternal, "deps": themeInternal,
}

// conventional is a conventional-commit subject: type, scope, text.
var conventional = regexp.MustCompile(`^([A-Za-z]+)(?:\(([^)]*)\))?!?:\s*(.+)$`)

// verbs maps the leading verb of a title (after any subsystem prefix) to
// a theme.
var verbs = map[string]theme{}

func init() {
	for th, words := range map[theme]string{
		themeFix: "fix fixes fixed fixing avoid avoids correct corrects prevent prevents repair resolve resolves restore " +
			"plug guard handle stop stops don't do revert reverts work-around workaround unbreak mend squelch silence " +
			"reject diagnose detect protect sanitize check",
		themePerf: "optimize optimise optimizes optimises speed accelerate cache reduce reduces shrink skip lazily",
		themeFeat: "add adds added introduce introduces support supports allow allows implement implements teach teaches " +
			"enable enables expose exposes provide provides new let lets create learn learns extend extends accept accepts " +
			"show shows display offer offers make makes",
		themeDocs: "document documents doc docs describe clarify explain mention",
		themeInternal: "refactor refactors clean cleanup clean-up simplify rename move remove removes drop drops delete " +
			"deprecate bump update upgrade test tests ci reformat lint migrate convert replace unify split use inline " +
			"factor consolidate retire",
	} {
		for _, w := range strings.Fields(words) {
			verbs[w] = th
		}
	}
}

var (
	// Phrases of prose (git.git's topic descriptions are passive: "... has
	// been corrected") that say what kind of change it is, checked in
	// this order.
	perfWords = regexp.MustCompile(`(?i)\b(faster|optimi[sz](e|ed|es|ation)|performance|speed(s|ed)? up|quicker|more efficient|fewer (allocations|syscalls|round)|less memory|reduce[sd]? (the )?(memory|cpu|allocations|latency))\b`)
	fixWords  = regexp.MustCompile(`(?i)\b(fix(es|ed)?|bug|crash(es|ed)?|segfault|regression|leak(s|ed)?|corrected|broken|incorrect(ly)?|wrong(ly)?|used to|mistakenly|race|deadlock|overflow|did not|didn't|failed to|fail(s|ed)? (to|when)|no longer|misbehav|error out)\b`)
	docWords  = regexp.MustCompile(`(?i)(^(doc|docs|documentation)\b|\b(documentation|manual page|man ?page|docs)\b (has|have) been|\bdocument(ed|s)?\b)`)
	intWords  = regexp.MustCompile(`(?i)\b(tests?|test suite|CI|GitHub Actions|refactor(ed|ing)?|clean[- ]?ups?|cleaned up|code clean|coccinelle|build fix|simplif(y|ied)|internal|reorganiz|linter|compiler warnings?)\b`)
	featWords = regexp.MustCompile(`(?i)\b(learn(s|ed|t)?|new|now (supports?|allows?|accepts?|takes?|gives?|shows?|can)|adds?|added|introduc(e|es|ed)|support(s|ed)?|option|configuration variable|command)\b`)
	// trivialWords mark a title of work a changelog leaves out.
	trivialWords = regexp.MustCompile(`(?i)\b(typos?|typofix(es)?|grammofix(es)?|spelling|whitespace|comments?|(compile|compiler|clang|gcc|unused \w+) warnings?|dead code|readme)\b`)
	// cycleFixup marks a fix-up of work of the same release cycle, which
	// release notes never list: "Fix-up for what has been merged recently",
	// "Docfix for topic already in -rc0".
	cycleFixup = regexp.MustCompile(`(?i)(\bfix-?ups? (for|to) (what|a topic|the topic|topics?)\b|\balready in (-rc\d|'?master'?|the release)|\bin -rc\d|\bmerged to '?master'? recently|\bprevious round\b|\brecent fix-?up\b)`)
	// testWords mark tests and CI work.
	testWords = regexp.MustCompile(`(?i)(\b(tests?|test suite|testsuite|CI|GitHub Actions|workflows?|flaky|flakiness)\b|^t\d{4}\b)`)
)

// classifyTopic decides a topic's theme from its conventional-commit
// prefix, else the leading verb of its title, else the words of its
// title, its commits' subjects and its paths; and whether it is minor
// (see minorTopic).
func classifyTopic(t *topic) (theme, bool) {
	if t.issue {
		return themeIssue, false
	}
	pathTheme, pathKnown := themeOfPaths(t.files)
	minor := minorTopic(t, pathKnown && pathTheme == themeInternal)
	if th, ok := themeOfText(t.title); ok {
		if pathKnown && (pathTheme == themeDocs || pathTheme == themeInternal) && th != themeFix {
			return pathTheme, minor
		}
		return th, minor
	}
	if pathKnown {
		return pathTheme, minor
	}
	// The commits vote when the title says nothing.
	votes := map[theme]int{}
	for _, c := range t.members {
		if th, ok := themeOfText(firstLine(c.Message)); ok {
			votes[th]++
		}
	}
	best, most := themeFeat, 0
	for th := themeFeat; th <= themeInternal; th++ {
		if votes[th] > most {
			best, most = th, votes[th]
		}
	}
	return best, minor
}

// minorTopic reports whether a changelog and a recap leave t out: typo,
// comment, warning and README-only work; fix-ups of work of the same
// release cycle; and tests or CI work (testsOnly: by its paths) that no
// description of its own explains.
func minorTopic(t *topic, testsOnly bool) bool {
	switch {
	case trivialWords.MatchString(t.title), cycleFixup.MatchString(t.title), len(t.files) > 0 && isReadme(t.files):
		return true
	case testsOnly, testWords.MatchString(t.title):
		return !t.described
	}
	return false
}

// terse reports whether t's title is too short to say what changed
// ("Doc update.", "Code clean-up."): three words or fewer, and no pull
// request's. Release notes leave such topics out; a recap keeps them.
func (t *topic) terse() bool {
	return t.number == 0 && len(strings.Fields(t.title)) <= 3
}

// themeOfText reads a theme from a title or subject: its conventional
// prefix, its leading verb, or the words in it.
func themeOfText(s string) (theme, bool) {
	if m := conventional.FindStringSubmatch(s); m != nil {
		if th, ok := commitTypes[strings.ToLower(m[1])]; ok {
			return th, true
		}
	}
	text := s
	if m := prefixed.FindStringSubmatch(s); m != nil {
		text = m[2]
	}
	if f := strings.Fields(text); len(f) > 0 {
		if th, ok := verbs[strings.ToLower(strings.Trim(f[0], `"'.,:`))]; ok {
			return th, true
		}
	}
	for _, c := range []struct {
		re *regexp.Regexp
		th theme
	}{{perfWords, themePerf}, {fixWords, themeFix}, {docWords, themeDocs}, {intWords, themeInternal}, {featWords, themeFeat}} {
		if c.re.MatchString(text) {
			return c.th, true
		}
	}
	return 0, false
}

var (
	docPath  = regexp.MustCompile(`(?i)(^(Documentation|docs?|man)/|\.(md|adoc|asciidoc|rst|txt)$|(^|/)README[^/]*$)`)
	testPath = regexp.MustCompile(`(?i)(^(t|tests?|spec|testdata)/|(^|/)(tests?|__tests__)/|_test\.\w+$|\.test\.\w+$|^\.github/|^ci/|^\.gitlab-ci|^\.travis|^\.cirrus|^azure-pipelines)`)
)

// themeOfPaths reads a theme from files when all of them are
// documentation (themeDocs) or tests and CI (themeInternal).
func themeOfPaths(files map[string]bool) (theme, bool) {
	if len(files) == 0 {
		return 0, false
	}
	docs, tests := true, true
	for f := range files {
		docs = docs && docPath.MatchString(f)
		tests = tests && testPath.MatchString(f)
	}
	switch {
	case tests:
		return themeInternal, true
	case docs:
		return themeDocs, true
	}
	return 0, false
}

// isReadme reports whether files are README files only.
func isReadme(files map[string]bool) bool {
	for f := range files {
		if !strings.HasPrefix(strings.ToUpper(f[strings.LastIndexByte(f, '/')+1:]), "README") {
			return false
		}
	}
	return true
}
