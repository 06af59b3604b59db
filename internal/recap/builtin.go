package recap

import (
	"cmp"
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gitpulse/gitpulse/internal/activity"
)

// summarise is the built-in summariser: it writes the response for mode
// from items with no model, deterministically, one chunk per bullet (or
// section), and returns the topic behind each bullet, in the order of
// the bullets. It groups the items into topics (merged branches, pull
// requests, clusters of commits by subsystem), classifies and ranks them
// by size.
func summarise(ctx context.Context, mode Mode, items []activity.Item, n int, emit func(string) error) ([]*topic, error) {
	topics := rankedTopics(items)
	many := manyRepos(topics)
	var chunks []string
	var behind []*topic
	switch mode {
	case ModeRecap:
		chunks, behind = recapBullets(topics, n, many)
	case ModeRelease:
		chunks, behind = releaseNotes(topics, many)
	case ModePullRequest:
		chunks, behind = pullRequestDescription(topics, items)
	}
	for _, c := range chunks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := emit(c); err != nil {
			return nil, err
		}
	}
	return behind, nil
}

// rankedTopics groups items into topics, biggest first.
func rankedTopics(items []activity.Item) []*topic {
	topics, _ := buildTopics(items)
	slices.SortStableFunc(topics, func(a, b *topic) int {
		return cmp.Or(cmp.Compare(b.size(), a.size()), b.date.Compare(a.date), strings.Compare(a.title, b.title))
	})
	return topics
}

// manyRepos reports whether topics come from more than one repository,
// when bullets name theirs.
func manyRepos(topics []*topic) bool {
	return slices.ContainsFunc(topics, func(t *topic) bool { return t.repo != topics[0].repo })
}

// recapBullets writes at most n bullets, one per topic, the n biggest
// (documentation and internal work weighing half; tests, CI and typo
// fixes only when nothing else happened), then says how many topics were
// left out. It returns the chunks and the topics of the bullets.
func recapBullets(topics []*topic, n int, many bool) ([]string, []*topic) {
	if len(topics) == 0 {
		return []string{"No activity recorded in this period.\n"}, nil
	}
	major := slices.DeleteFunc(slices.Clone(topics), func(t *topic) bool { return t.minor })
	if len(major) == 0 {
		major = topics
	}
	// What users see first: documentation and internal work weigh half.
	weight := func(t *topic) float64 {
		if t.theme == themeDocs || t.theme == themeInternal {
			return t.size() / 2
		}
		return t.size()
	}
	slices.SortStableFunc(major, func(a, b *topic) int { return cmp.Compare(weight(b), weight(a)) })
	shown := major[:min(n, len(major))]
	chunks := make([]string, 0, len(shown)+1)
	for _, t := range shown {
		chunks = append(chunks, "- "+recapSentence(t, many)+"\n")
	}
	if left := len(topics) - len(shown); left > 0 {
		chunks = append(chunks, fmt.Sprintf("\n%d smaller %s left out.\n", left, plural(left, "topic", "topics")))
	}
	return chunks, shown
}

// recapSentence is one recap bullet: the kind of change, the topic's
// title as a sentence, its pull request and size.
func recapSentence(t *topic, many bool) string {
	var b strings.Builder
	if t.issue {
		fmt.Fprintf(&b, "Issue #%d opened", t.number)
	} else {
		b.WriteString(themeNames[t.theme].label)
	}
	if many {
		b.WriteString(" in " + t.repo)
	}
	b.WriteString(": " + sentence(t.title))
	if t.issue {
		return b.String()
	}
	var details []string
	if t.number > 0 {
		details = append(details, "#"+strconv.Itoa(t.number))
	}
	if t.terse() && t.branch != "" {
		details = append(details, t.branch) // "Leakfixes." says more with its branch
	}
	if t.commits > 0 {
		details = append(details, count(t.commits, "commit", "commits"))
	}
	if len(t.files) > 0 {
		details = append(details, count(len(t.files), "file", "files"))
	}
	if t.lines > 0 {
		details = append(details, count(t.lines, "line", "lines")+" changed")
	}
	if len(details) == 0 {
		return b.String()
	}
	return b.String() + " (" + strings.Join(details, ", ") + ")"
}

// listMarker is what Markdown reads as the start of a list item.
var listMarker = regexp.MustCompile(`^(?:[-*+] +)+`)

// revertedMerge is the subject git gives the revert of a merge.
var revertedMerge = regexp.MustCompile(`^Revert "Merge (?:branch|pull request) '?([^'"]+?)'?( into \S+?)?"$`)

// sentence makes s a sentence: one line, a capital first letter and a
// full stop, no conventional-commit prefix, and a reverted merge said in
// words, not by its merge subject. It never starts with a list marker,
// so that the lines starting with "- " are the bullets (see
// Topic.Bullet).
func sentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = listMarker.ReplaceAllString(s, "")
	s = revertedMerge.ReplaceAllString(s, "Revert the merge of $1$2")
	if m := conventional.FindStringSubmatch(s); m != nil {
		if _, ok := commitTypes[strings.ToLower(m[1])]; ok {
			s = m[3]
		}
	}
	// A first word that is code ("sscanf(3)", "refs:", "git_config")
	// keeps its case.
	word := s[:strings.IndexFunc(s+" ", unicode.IsSpace)]
	if r, size := utf8.DecodeRuneInString(s); r != utf8.RuneError && unicode.IsLower(r) && !strings.ContainsAny(word, ":/_.()`") {
		s = string(unicode.ToUpper(r)) + s[size:]
	}
	s = strings.TrimRight(s, ",;: ")
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
}

// releaseNotes writes one section per theme, one bullet per topic,
// biggest first, naming the repository when there are several; minor and
// terse topics (tests, CI, typo fixes, "Doc update.") are left out and
// counted. It returns the chunks and the topics of the bullets.
func releaseNotes(topics []*topic, many bool) ([]string, []*topic) {
	chunks := []string{"## Release notes\n"}
	var behind []*topic
	left := 0
	for th := themeFeat; th <= themeInternal; th++ {
		var b strings.Builder
		for _, t := range topics {
			if t.theme != th || t.issue {
				continue
			}
			if t.minor || t.terse() {
				left++
				continue
			}
			if b.Len() == 0 {
				b.WriteString("\n### " + themeNames[th].heading + "\n")
			}
			behind = append(behind, t)
			b.WriteString("- " + sentence(t.title))
			if t.number > 0 {
				b.WriteString(" (#" + strconv.Itoa(t.number) + ")")
			}
			if many {
				b.WriteString(" (" + t.repo + ")")
			}
			b.WriteString("\n")
		}
		if b.Len() > 0 {
			chunks = append(chunks, b.String())
		}
	}
	if len(chunks) == 1 {
		chunks = append(chunks, "\nNo changes recorded.\n")
	}
	if left > 0 {
		chunks = append(chunks, fmt.Sprintf("\n%d minor %s (tests, CI, typo fixes, small clean-ups) left out.\n", left, plural(left, "topic", "topics")))
	}
	return chunks, behind
}

// pullRequestDescription writes a title (the biggest topic's), a summary
// of the commits' size, kinds and directories, and one bullet per topic;
// it returns the chunks and the topics of the bullets.
func pullRequestDescription(topics []*topic, items []activity.Item) ([]string, []*topic) {
	topics = slices.DeleteFunc(slices.Clone(topics), func(t *topic) bool { return t.issue })
	if len(topics) == 0 {
		return []string{"No changes\n\nThere are no commits to describe.\n"}, nil
	}
	var commits, lines int
	files := map[string]bool{}
	kinds := map[theme]int{}
	for _, t := range topics {
		commits += t.commits
		lines += t.lines
		for f := range t.files {
			files[f] = true
		}
		kinds[t.theme]++
	}
	var summary strings.Builder
	fmt.Fprintf(&summary, "\n## Summary\n%s", count(commits, "commit", "commits"))
	if len(files) > 0 {
		fmt.Fprintf(&summary, " changing %s (%s)", count(len(files), "file", "files"), count(lines, "line", "lines"))
		if dirs := topDirs(items, 3); len(dirs) > 0 {
			fmt.Fprintf(&summary, ", mostly in %s", strings.Join(dirs, ", "))
		}
	}
	var parts []string
	for th := themeFeat; th <= themeInternal; th++ {
		if kinds[th] > 0 {
			parts = append(parts, count(kinds[th], themeNames[th].one, themeNames[th].many))
		}
	}
	fmt.Fprintf(&summary, ": %s.\n", strings.Join(parts, ", "))
	var changes strings.Builder
	changes.WriteString("\n## Changes\n")
	for _, t := range topics {
		fmt.Fprintf(&changes, "- %s: %s", themeNames[t.theme].label, sentence(t.title))
		if t.commits > 1 {
			fmt.Fprintf(&changes, " (%s)", count(t.commits, "commit", "commits"))
		}
		changes.WriteString("\n")
	}
	// The title is the biggest topic's, a user-visible one if any.
	main := topics[0]
	if i := slices.IndexFunc(topics, func(t *topic) bool { return !t.minor && t.theme != themeInternal }); i >= 0 {
		main = topics[i]
	}
	return []string{strings.TrimSuffix(sentence(main.title), ".") + "\n", summary.String(), changes.String()}, topics
}

// topDirs returns up to n directories (first two levels) with the most
// changed lines in items' commits, most first, each ending in "/".
func topDirs(items []activity.Item, n int) []string {
	lines := map[string]int{}
	for _, it := range items {
		for _, f := range it.Files {
			d := path.Dir(f)
			if parts := strings.SplitN(d, "/", 3); len(parts) > 2 {
				d = parts[0] + "/" + parts[1]
			}
			if d != "." {
				lines[d] += max(1, (it.Additions+it.Deletions)/max(1, len(it.Files)))
			}
		}
	}
	dirs := make([]string, 0, len(lines))
	for d := range lines {
		dirs = append(dirs, d)
	}
	slices.SortFunc(dirs, func(a, b string) int { return cmp.Or(cmp.Compare(lines[b], lines[a]), strings.Compare(a, b)) })
	dirs = dirs[:min(n, len(dirs))]
	for i := range dirs {
		dirs[i] += "/"
	}
	return dirs
}

// count writes "1 commit", "3 commits".
func count(n int, one, many string) string { return strconv.Itoa(n) + " " + plural(n, one, many) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
