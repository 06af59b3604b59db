package recap

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gitpulse/gitpulse/internal/activity"
)

// theme is what a group of items is about; themes are listed in the order
// they are written.
type theme int

const (
	themeFeat theme = iota
	themeFix
	themeDocs
	themeRefactor
	themeTest
	themeChore
	themeOther
	themePullRequest
	themeIssue
	themeRelease
)

// themeNames holds each theme's singular and plural noun for recap bullets
// and its heading for release notes.
var themeNames = [...]struct{ one, many, heading string }{
	themeFeat:        {"feature", "features", "Features"},
	themeFix:         {"fix", "fixes", "Fixes"},
	themeDocs:        {"docs change", "docs changes", "Documentation"},
	themeRefactor:    {"refactor", "refactors", "Refactoring"},
	themeTest:        {"test change", "test changes", "Tests"},
	themeChore:       {"chore", "chores", "Chores"},
	themeOther:       {"other commit", "other commits", "Other changes"},
	themePullRequest: {"pull request", "pull requests", "Pull requests"},
	themeIssue:       {"issue", "issues", "Issues"},
	themeRelease:     {"release", "releases", "Releases"},
}

func (t theme) count(n int) string {
	if n == 1 {
		return "1 " + themeNames[t].one
	}
	return strconv.Itoa(n) + " " + themeNames[t].many
}

// commitTypes maps conventional-commit types to themes.
var commitTypes = map[string]theme{
	"feat": themeFeat, "feature": themeFeat,
	"fix": themeFix, "bugfix": themeFix, "hotfix": themeFix,
	"docs": themeDocs, "doc": themeDocs,
	"refactor": themeRefactor, "perf": themeRefactor, "style": themeRefactor,
	"test": themeTest, "tests": themeTest,
	"chore": themeChore, "build": themeChore, "ci": themeChore, "deps": themeChore,
}

var conventional = regexp.MustCompile(`^([A-Za-z]+)(?:\([^)]*\))?!?:\s*(.+)$`)

// entry is a parsed item with its theme and the message to show.
type entry struct {
	parsedItem
	theme theme
	text  string // message without the conventional-commit prefix, with "#n" for PRs and issues
}

func classify(it parsedItem) entry {
	e := entry{parsedItem: it, text: it.message}
	switch it.kind {
	case activity.KindPullRequest:
		e.theme = themePullRequest
	case activity.KindIssue:
		e.theme = themeIssue
	case activity.KindRelease:
		e.theme = themeRelease
	default:
		e.theme = themeOther
		if m := conventional.FindStringSubmatch(it.message); m != nil {
			if t, ok := commitTypes[strings.ToLower(m[1])]; ok {
				e.theme, e.text = t, m[2]
			}
		}
	}
	if it.number > 0 {
		e.text = "#" + strconv.Itoa(it.number) + " " + e.text
	}
	return e
}

// group is the entries of one repository and theme.
type group struct {
	repo    string
	theme   theme
	entries []entry
}

func (g group) compare(o group) int {
	return cmp.Or(strings.Compare(g.repo, o.repo), cmp.Compare(g.theme, o.theme))
}

// groupEntries groups entries by repository and theme, in that order.
func groupEntries(entries []entry) []group {
	var groups []group
	for _, e := range entries {
		i := slices.IndexFunc(groups, func(g group) bool { return g.repo == e.repo && g.theme == e.theme })
		if i < 0 {
			groups = append(groups, group{repo: e.repo, theme: e.theme})
			i = len(groups) - 1
		}
		groups[i].entries = append(groups[i].entries, e)
	}
	slices.SortStableFunc(groups, group.compare)
	return groups
}

// summarise is the built-in summariser: it writes the response for mode
// from rendered actions with no model, deterministically, one line (or
// section) per chunk.
func summarise(ctx context.Context, mode Mode, actions string, n int, emit func(string) error) error {
	parsed := parseActions(actions)
	entries := make([]entry, len(parsed))
	for i, it := range parsed {
		entries[i] = classify(it)
	}
	var chunks []string
	switch mode {
	case ModeRecap:
		chunks = recapBullets(entries, n)
	case ModeRelease:
		chunks = releaseNotes(entries)
	case ModePullRequest:
		chunks = pullRequestDescription(entries)
	}
	for _, c := range chunks {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := emit(c); err != nil {
			return err
		}
	}
	return nil
}

// listed is how many messages a recap bullet quotes.
const listed = 3

// recapBullets writes exactly n bullets: one per repository and theme when
// they are n; the largest groups and one bullet for the rest when they are
// more; groups split into single items, then totals, when they are fewer.
func recapBullets(entries []entry, n int) []string {
	groups := groupEntries(entries)
	var rest []group
	if len(groups) > n {
		bySize := slices.Clone(groups)
		slices.SortStableFunc(bySize, func(a, b group) int { return cmp.Compare(len(b.entries), len(a.entries)) })
		keep := slices.Clone(bySize[:n-1])
		rest = bySize[n-1:]
		slices.SortStableFunc(keep, group.compare)
		slices.SortStableFunc(rest, group.compare)
		groups = keep
	}
	for rest == nil && len(groups) < n {
		// Split the newest entry off the largest group.
		i := -1
		for j, g := range groups {
			if len(g.entries) > 1 && (i < 0 || len(g.entries) > len(groups[i].entries)) {
				i = j
			}
		}
		if i < 0 {
			break
		}
		g := &groups[i]
		last := len(g.entries) - 1
		split := group{repo: g.repo, theme: g.theme, entries: g.entries[last:]}
		g.entries = g.entries[:last:last]
		groups = slices.Insert(groups, i+1, split)
	}
	bullets := make([]string, 0, n)
	for _, g := range groups {
		bullets = append(bullets, groupBullet(g))
	}
	if len(rest) > 0 {
		bullets = append(bullets, restBullet(rest))
	}
	if len(bullets) < n {
		bullets = append(bullets, totalsBullet(entries))
	}
	for len(bullets) < n {
		bullets = append(bullets, "- No further activity recorded.\n")
	}
	return bullets
}

func groupBullet(g group) string {
	texts := make([]string, 0, listed)
	for _, e := range g.entries[:min(len(g.entries), listed)] {
		texts = append(texts, e.text)
	}
	s := fmt.Sprintf("- %s: %s: %s", g.repo, g.theme.count(len(g.entries)), strings.Join(texts, "; "))
	if more := len(g.entries) - listed; more > 0 {
		s += fmt.Sprintf("; and %d more", more)
	}
	return s + "\n"
}

func restBullet(rest []group) string {
	total := 0
	parts := make([]string, 0, len(rest))
	for _, g := range rest {
		total += len(g.entries)
		parts = append(parts, g.repo+": "+g.theme.count(len(g.entries)))
	}
	return fmt.Sprintf("- Also %d more: %s.\n", total, strings.Join(parts, ", "))
}

func totalsBullet(entries []entry) string {
	if len(entries) == 0 {
		return "- No activity recorded in this period.\n"
	}
	var commits, prs, issues, releases int
	var repos, days []string
	for _, e := range entries {
		switch e.theme {
		case themePullRequest:
			prs++
		case themeIssue:
			issues++
		case themeRelease:
			releases++
		default:
			commits++
		}
		if !slices.Contains(repos, e.repo) {
			repos = append(repos, e.repo)
		}
		if e.day != "" && !slices.Contains(days, e.day) {
			days = append(days, e.day)
		}
	}
	var parts []string
	add := func(n int, one, many string) {
		if n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+plural(n, one, many))
		}
	}
	add(commits, "commit", "commits")
	add(prs, "pull request", "pull requests")
	add(issues, "issue", "issues")
	add(releases, "release", "releases")
	s := fmt.Sprintf("- In total: %s in %d %s", strings.Join(parts, ", "), len(repos), plural(len(repos), "repository", "repositories"))
	if len(days) > 0 {
		s += fmt.Sprintf(" over %d %s", len(days), plural(len(days), "day", "days"))
	}
	return s + ".\n"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// releaseNotes writes one section per theme, listing every entry, naming
// the repository when there are several.
func releaseNotes(entries []entry) []string {
	if len(entries) == 0 {
		return []string{"## Release notes\n\nNo changes recorded.\n"}
	}
	repos := map[string]bool{}
	for _, e := range entries {
		repos[e.repo] = true
	}
	byTheme := slices.Clone(entries)
	slices.SortStableFunc(byTheme, func(a, b entry) int { return cmp.Compare(a.theme, b.theme) })
	chunks := []string{"## Release notes\n"}
	var b strings.Builder
	for i, e := range byTheme {
		if i == 0 || e.theme != byTheme[i-1].theme {
			if b.Len() > 0 {
				chunks = append(chunks, b.String())
				b.Reset()
			}
			b.WriteString("\n### " + themeNames[e.theme].heading + "\n")
		}
		b.WriteString("- " + e.text)
		if len(repos) > 1 {
			b.WriteString(" (" + e.repo + ")")
		}
		b.WriteString("\n")
	}
	return append(chunks, b.String())
}

// pullRequestDescription writes a title from the commits' main theme, a
// one-line summary and the list of commits.
func pullRequestDescription(entries []entry) []string {
	commits := slices.DeleteFunc(slices.Clone(entries), func(e entry) bool { return e.kind != activity.KindCommit })
	if len(commits) == 0 {
		commits = entries
	}
	if len(commits) == 0 {
		return []string{"No changes\n\nThere are no commits to describe.\n"}
	}
	counts := map[theme]int{}
	for _, e := range commits {
		counts[e.theme]++
	}
	main := commits[0].theme
	for t, c := range counts {
		if c > counts[main] || (c == counts[main] && t < main) {
			main = t
		}
	}
	i := slices.IndexFunc(commits, func(e entry) bool { return e.theme == main })
	title := commits[i].message
	if len(commits) > 1 {
		title += fmt.Sprintf(" (+%d more)", len(commits)-1)
	}
	var kinds []string
	for t := themeFeat; t <= themeRelease; t++ {
		if counts[t] > 0 {
			kinds = append(kinds, t.count(counts[t]))
		}
	}
	var b strings.Builder
	b.WriteString("\n## Commits\n")
	for _, e := range commits {
		b.WriteString("- " + e.message + "\n")
	}
	return []string{
		title + "\n",
		fmt.Sprintf("\n## Summary\n%d %s: %s.\n", len(commits), plural(len(commits), "change", "changes"), strings.Join(kinds, ", ")),
		b.String(),
	}
}
