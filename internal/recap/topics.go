package recap

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
)

// topic is one thing that happened, the unit the built-in summariser
// writes a bullet about: a merged branch, a pull request, a cluster of
// commits on one subsystem, a single commit, or an issue.
type topic struct {
	// kind is what the topic is: kindBranch, kindPullRequest,
	// kindSubsystem, kindCommit or kindIssue.
	kind string
	repo string
	// title says what the topic did: a merged branch's description, a
	// pull request's title, a commit's subject (without its
	// conventional-commit prefix).
	title string
	// number is the topic's pull request or issue, 0 if none.
	number int
	// url is the pull request's or issue's web page, "" if unknown.
	url string
	// issue marks an issue (number is then the issue's).
	issue bool
	// subsystem is the common subject prefix or conventional scope of a
	// cluster of commits, or what a merged branch's name says.
	subsystem string
	// branch is a merged branch's name, "" for other topics.
	branch string
	theme  theme
	// minor marks work a changelog leaves out: tests, CI, typo fixes,
	// README-only changes (see minorTopic).
	minor bool
	// described marks a topic whose title is a description written for
	// it (a merge body), not a commit's subject or a pull request's title.
	described bool
	// commits, lines and files measure the topic's size.
	commits, lines int
	files          map[string]bool
	date           time.Time
	// members are its commits, in the order of the activity.
	members []activity.Item
}

// Kinds of topic, as Topic.Kind names them.
const (
	kindBranch      = "branch"
	kindPullRequest = "pull_request"
	kindSubsystem   = "subsystem"
	kindCommit      = "commit"
	kindIssue       = "issue"
)

// TopicKinds are the values of Topic.Kind.
var TopicKinds = []string{kindBranch, kindPullRequest, kindSubsystem, kindCommit, kindIssue}

// size ranks topics: commits count most (a pull request or merge whose
// commits are not listed counts as one), then lines and files changed.
func (t *topic) size() float64 {
	return float64(max(t.commits, 1)) + float64(t.lines)/200 + float64(len(t.files))/10
}

// add counts commit it in the topic; a merge (of the topic's own
// branches) adds nothing.
func (t *topic) add(it activity.Item) {
	if it.IsMerge() {
		return
	}
	t.commits++
	t.lines += it.Additions + it.Deletions
	if t.files == nil {
		t.files = map[string]bool{}
	}
	for _, f := range it.Files {
		t.files[f] = true
	}
	if it.Date.After(t.date) {
		t.date = it.Date
	}
	t.members = append(t.members, it)
}

var (
	// mergeBranch reads git's "Merge branch 'x'" (also "of <url>",
	// "into y") and "Merge remote-tracking branch 'x'".
	mergeBranch = regexp.MustCompile(`^Merge (?:remote-tracking )?branch '([^']+)'(.*)$`)
	// integration merges bring other lines of development, not topics:
	// maintenance and release branches, tags, other repositories.
	integration = regexp.MustCompile(`^(?:Merge (?:tag|commit|git://|https?://|remote-tracking branch '[^']*/(?:main|master|maint|next|seen|unstable)')|Sync with)`)
	// integrationBranch names branches that are lines of development.
	integrationBranch = regexp.MustCompile(`^(?:origin/)?(?:main|master|maint(?:-[\d.]+)?|next|seen|pu|unstable|develop|trunk|release.*|\d+(?:\.\d+)*)$`)
	// versionOnly is a subject that is only a version or a release
	// announcement: "Git 2.40", "Redis 7.2.4", "v1.2.3", "Release 1.0".
	versionOnly = regexp.MustCompile(`^(?i)(?:(?:release|version|bump version to|[a-z][\w.-]*)\s+)?v?\d+(?:\.\d+)+(?:[-.]?(?:rc|alpha|beta)\d*)?(?:\s+(?:GA|final|released))?\.?$`)
	// releaseFiles are files that only record releases: notes and version
	// stamps. A commit touching nothing else is release bookkeeping.
	releaseFiles = regexp.MustCompile(`(?i)(?:^|/)(?:RelNotes(?:/.*)?|release[-_ ]?notes.*|00-RELEASENOTES|CHANGELOG.*|CHANGES.*|NEWS.*|GIT-VERSION-GEN|version(?:\.h|\.txt|\.go)?)$`)
	// prefixed is a subject with a subsystem prefix: "refs: x",
	// "reftable/block: x", "t7527: x".
	prefixed = regexp.MustCompile(`^([\w.+-]+(?:/[\w.+-]+)*(?:, ?[\w.+-]+)*): +(\S.*)$`)
)

// mergeInfo reads a merge commit's message: the branch it merged, the
// description its body gives (git.git writes the topic's description
// there; GitHub the pull request's title), and whether it is an
// integration merge rather than a topic.
func mergeInfo(msg string) (branch, description string, integrates bool) {
	subject, body, _ := strings.Cut(strings.TrimSpace(msg), "\n")
	subject = strings.TrimSpace(subject)
	if integration.MatchString(subject) {
		return "", "", true
	}
	if m := mergeBranch.FindStringSubmatch(subject); m != nil {
		branch = m[1]
		if integrationBranch.MatchString(branch) || strings.Contains(m[2], " of ") {
			return branch, "", true
		}
	}
	desc := describe(body)
	if versionOnly.MatchString(desc) {
		desc = "" // "Merge Redis 6.2.1\n\nRedis 6.2.1": a release, described by its commits
	}
	return branch, desc, false
}

// describe returns the prose paragraphs at the start of a merge body, up
// to the list of merged commits ("* branch:"), a conflict list, comment
// lines or trailers, joined into one line.
func describe(body string) string {
	var words []string
	for line := range strings.Lines(body) {
		l := strings.TrimSpace(line)
		switch {
		case shortlog.MatchString(l),
			strings.HasPrefix(l, "# "), strings.HasPrefix(l, "Conflicts:"),
			strings.HasPrefix(l, "See merge request "),
			trailer.MatchString(l):
			return strings.Join(words, " ")
		}
		words = append(words, strings.Fields(l)...)
	}
	return strings.Join(words, " ")
}

// shortlog starts the list of merged commits: "* ps/topic:", "* ps/topic:
// (33 commits)", "* 'topic' of https://...:".
var shortlog = regexp.MustCompile(`^\* .*:(\s*\(\d+ commits\))?$`)

// trailer is a "Signed-off-by: ..." style line.
var trailer = regexp.MustCompile(`^[A-Z][\w-]*-by: `)

// topicKey identifies a topic that several items add to.
type topicKey struct {
	repo, kind, name string
	number           int
}

// topicSet collects topics by key, in the order they were made.
type topicSet struct {
	byKey map[topicKey]*topic
	list  []*topic
}

// get returns the topic of k, made by init if there is none yet.
func (s *topicSet) get(k topicKey, init func() *topic) *topic {
	if t, ok := s.byKey[k]; ok {
		return t
	}
	t := init()
	s.byKey[k] = t
	s.list = append(s.list, t)
	return t
}

// pullRequest returns the topic of pull request number of repo, titled
// title unless it has a title already.
func (s *topicSet) pullRequest(repo string, number int, title string) *topic {
	t := s.get(topicKey{repo: repo, kind: kindPullRequest, number: number}, func() *topic {
		return &topic{kind: kindPullRequest, repo: repo, number: number}
	})
	if t.title == "" {
		t.title = title
	}
	return t
}

// merge returns the topic of merge commit m: its pull request's, or its
// branch's, described by its body.
func (s *topicSet) merge(m activity.Item) *topic {
	if m.PullRequest > 0 {
		return s.pullRequest(m.Repo, m.PullRequest, m.PullTitle)
	}
	branch, desc, _ := mergeInfo(m.Message)
	t := s.get(topicKey{repo: m.Repo, kind: kindBranch, name: cmp.Or(branch, m.SHA)}, func() *topic {
		return &topic{kind: kindBranch, repo: m.Repo, branch: branch, subsystem: branchSubsystem(branch), date: m.Date}
	})
	if t.title == "" && desc != "" {
		// The same branch merged twice (into maint, then master): the
		// merge that describes it names the topic.
		t.title, t.described = desc, true
	}
	return t
}

// buildTopics groups items into topics, in no particular order, and
// returns how many items were dropped as release bookkeeping (version
// bumps, release-note edits, tags) or integration merges with what they
// brought.
func buildTopics(items []activity.Item) (topics []*topic, dropped int) {
	s := &topicSet{byKey: map[topicKey]*topic{}}
	var commits []activity.Item
	seen := map[string]bool{}
	for _, it := range items {
		switch it.Kind {
		case activity.KindPullRequest:
			t := s.pullRequest(it.Repo, it.Number, firstLine(it.Message))
			t.date, t.url = it.Date, it.URL
		case activity.KindIssue:
			s.get(topicKey{repo: it.Repo, kind: kindIssue, number: it.Number}, func() *topic {
				return &topic{kind: kindIssue, repo: it.Repo, number: it.Number, issue: true, title: firstLine(it.Message), date: it.Date, url: it.URL}
			})
		case activity.KindRelease:
			dropped++ // a tag is not a topic; its changes are
		default:
			if k := it.Repo + "\x00" + it.SHA; it.SHA != "" {
				if seen[k] {
					continue
				}
				seen[k] = true
			}
			commits = append(commits, it)
		}
	}
	owner, integrated := assignToMerges(commits)
	for i, it := range commits {
		switch {
		case integrated[i]:
			dropped++
		case owner[i] >= 0: // a commit of a merged topic
			s.merge(commits[owner[i]]).add(it)
		case it.IsMerge():
			s.merge(it)
		case bookkeeping(it):
			dropped++
		case it.PullRequest > 0:
			s.pullRequest(it.Repo, it.PullRequest, cmp.Or(it.PullTitle, firstLine(it.Message))).add(it)
		default:
			if sub := subsystemOf(firstLine(it.Message)); sub != "" {
				s.get(topicKey{repo: it.Repo, kind: kindSubsystem, name: sub}, func() *topic {
					return &topic{kind: kindSubsystem, repo: it.Repo, subsystem: sub}
				}).add(it)
				continue
			}
			t := &topic{kind: kindCommit, repo: it.Repo}
			s.list = append(s.list, t)
			t.add(it)
		}
	}
	for _, t := range s.list {
		finishTopic(t)
	}
	return slices.DeleteFunc(s.list, func(t *topic) bool { return t.title == "" }), dropped
}

// branchSubsystem is what a topic branch's name says it is about:
// "ps/reftable-fixes" is about "reftable-fixes".
func branchSubsystem(branch string) string {
	if i := strings.LastIndexByte(branch, '/'); i >= 0 {
		return branch[i+1:]
	}
	return branch
}

// finishTopic gives a topic without a title one from its commits, and
// classifies it.
func finishTopic(t *topic) {
	if t.title == "" && len(t.members) > 0 {
		t.title = titleFromCommits(t.subsystem, t.members)
	}
	t.title = strings.TrimSpace(t.title)
	t.theme, t.minor = classifyTopic(t)
}

// titleFromCommits writes a title for commits with no description: the
// first commit's subject, said of the subsystem they share.
func titleFromCommits(subsystem string, commits []activity.Item) string {
	first := firstLine(commits[len(commits)-1].Message) // commits are newest first: the topic's first commit is last
	if len(commits) == 1 || subsystem == "" {
		return first
	}
	if m := prefixed.FindStringSubmatch(first); m != nil {
		return m[1] + ": " + m[2]
	}
	return subsystem + ": " + first
}

// subsystemOf is the subsystem a subject names: a conventional-commit
// scope, or the first component of a prefix such as "reftable/block:".
func subsystemOf(subject string) string {
	if m := conventional.FindStringSubmatch(subject); m != nil {
		if m[2] != "" {
			return strings.ToLower(m[2])
		}
		return ""
	}
	m := prefixed.FindStringSubmatch(subject)
	if m == nil {
		return ""
	}
	sub := m[1]
	if i := strings.IndexAny(sub, "/,"); i >= 0 {
		sub = sub[:i]
	}
	return strings.ToLower(sub)
}

// bookkeeping reports whether commit it only records a release: its
// subject is a version, or every file it changes is release notes or a
// version stamp.
func bookkeeping(it activity.Item) bool {
	if versionOnly.MatchString(firstLine(it.Message)) {
		return true
	}
	if len(it.Files) == 0 {
		return false
	}
	for _, f := range it.Files {
		if !releaseFiles.MatchString(f) {
			return false
		}
	}
	return true
}

// assignToMerges finds, for each commit, the first-parent merge that
// brought it into its repository's history: owner[i] is the index of
// that merge, or -1 for commits on the first-parent line itself, commits
// no merge in the list brought, and commits of a merge that brought
// topics of their own (see bringsTopics). Integrated[i] marks the
// integration merges (of maintenance branches, tags, other repositories)
// and the commits they brought, which are no topic of their own, and the
// merges that brought topics of their own.
func assignToMerges(commits []activity.Item) (owner []int, integrated []bool) {
	owner = make([]int, len(commits))
	integrated = make([]bool, len(commits))
	index := make(map[string]int, len(commits))
	isParent := map[string]bool{}
	for i, c := range commits {
		owner[i] = -1
		if c.SHA != "" {
			index[c.Repo+"\x00"+c.SHA] = i
		}
		for _, p := range c.Parents {
			isParent[c.Repo+"\x00"+p] = true
		}
	}
	// The first-parent line of each head (a commit no other commit of
	// the list has as a parent), oldest merge first.
	mainline := map[int]bool{}
	var merges []int
	for i, c := range commits {
		if c.SHA == "" || isParent[c.Repo+"\x00"+c.SHA] {
			continue
		}
		for j, ok := i, true; ok && !mainline[j]; j, ok = index[commits[j].Repo+"\x00"+first(commits[j].Parents)] {
			mainline[j] = true
			if commits[j].IsMerge() {
				merges = append(merges, j)
			}
		}
	}
	slices.SortStableFunc(merges, func(a, b int) int { return commits[a].Date.Compare(commits[b].Date) })
	claimed := make([]bool, len(commits))
	for _, m := range merges {
		_, _, integrates := mergeInfo(commits[m].Message)
		integrated[m] = integrates
		var members []int
		stack := []string{}
		for _, p := range commits[m].Parents[1:] {
			stack = append(stack, commits[m].Repo+"\x00"+p)
		}
		for len(stack) > 0 {
			k := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			j, ok := index[k]
			if !ok || mainline[j] || claimed[j] {
				continue
			}
			claimed[j] = true
			members = append(members, j)
			for _, p := range commits[j].Parents {
				stack = append(stack, commits[j].Repo+"\x00"+p)
			}
		}
		dissolve := !integrates && bringsTopics(commits, members)
		integrated[m] = integrates || dissolve
		for _, j := range members {
			switch {
			case integrates:
				integrated[j] = true
			case !dissolve:
				owner[j] = m
			}
		}
	}
	return owner, integrated
}

// bringsTopics reports whether the commits a merge brought (members) are
// topics of their own: they cite two or more pull requests, as a release
// branch merged whole does ("Merge Redis 6.2.1", "Merge pull request #1
// from user/release-7.0.1"). Such a merge is no topic: its commits are
// summarised as if committed on the first-parent line.
func bringsTopics(commits []activity.Item, members []int) bool {
	first := 0
	for _, j := range members {
		switch pr := commits[j].PullRequest; {
		case pr == 0 || pr == first:
		case first == 0:
			first = pr
		default:
			return true
		}
	}
	return false
}

// first is the first of s, or "".
func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
