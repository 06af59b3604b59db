package activity

import (
	"slices"
	"testing"
	"time"
)

func TestQueryAndDedupe(t *testing.T) {
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	q := Query{Since: day, Until: day.AddDate(0, 0, 1), Authors: []string{"Octocat", " mona@example.com "}}
	if !q.In(day) || q.In(day.AddDate(0, 0, 1)) || q.In(day.Add(-time.Nanosecond)) {
		t.Error("In: since is inclusive, until exclusive")
	}
	if !q.ByAuthor("", "octocat") || !q.ByAuthor("MONA@example.com") || q.ByAuthor("hubot", "") || !(Query{}).ByAuthor("anyone") {
		t.Error("ByAuthor: case-insensitive, any of the identities, everyone with no authors")
	}
	items := []Item{
		{Kind: KindCommit, Repo: "a", SHA: "1"}, {Kind: KindPullRequest, Repo: "a", Number: 1},
		{Kind: KindCommit, Repo: "a", SHA: "1", PullRequest: 1, PullTitle: "t"}, {Kind: KindCommit, Repo: "b", SHA: "1"},
		{Kind: KindIssue, Repo: "a", Number: 2},
	}
	if got := Dedupe(items); len(got) != 4 || got[2].Repo != "b" {
		t.Errorf("Dedupe = %+v", got)
	}
	// The pull request a second listing names stays with the first.
	if items[0].PullRequest != 1 || items[0].PullTitle != "t" {
		t.Errorf("the first listing lost the pull request of the second: %+v", items[0])
	}
}

// One meaning of an author filter for plain git and hosted providers: a
// case-insensitive part of a name, login or e-mail address.
func TestMatchAuthor(t *testing.T) {
	cases := []struct {
		name    string
		authors []string
		who     []string
		want    bool
	}{
		{"whole login", []string{"octocat"}, []string{"octocat"}, true},
		{"part of a name, other case", []string{"ada"}, []string{"Ada Lovelace", "ada@example.com"}, true},
		{"part of the e-mail only", []string{"@EXAMPLE.org"}, []string{"Ada", "ada@example.org"}, true},
		{"space around the author ignored", []string{"  love "}, []string{"Ada Lovelace"}, true},
		{"no part of any identity", []string{"grace"}, []string{"Ada Lovelace", "ada@example.com"}, false},
		{"an identity shorter than the author", []string{"octocat"}, []string{"octo"}, false},
		{"one of several authors", []string{"grace", "lovelace"}, []string{"Ada Lovelace"}, true},
		{"an empty author matches no one", []string{" "}, []string{"Ada"}, false},
		{"no identity", []string{"ada"}, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := MatchAuthor(c.authors, c.who...); got != c.want {
				t.Errorf("MatchAuthor(%q, %q) = %v, want %v", c.authors, c.who, got, c.want)
			}
		})
	}
}

func TestWithAuthor(t *testing.T) {
	cases := []struct {
		name    string
		authors []string
		who     string
		want    []string
	}{
		{"no authors: the user alone, not everyone", nil, "octocat", []string{"octocat"}},
		{"others: the user added first", []string{"mona"}, "octocat", []string{"octocat", "mona"}},
		{"the user already named, in another case: not twice", []string{"mona", "OctoCat"}, "octocat", []string{"mona", "OctoCat"}},
		{"the user already matched by a part: not twice", []string{"octo"}, "octocat", []string{"octo"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := Query{Authors: slices.Clone(c.authors)}
			got := q.WithAuthor(c.who)
			if !slices.Equal(got.Authors, c.want) {
				t.Errorf("WithAuthor(%q) on %q = %q, want %q", c.who, c.authors, got.Authors, c.want)
			}
			if !slices.Equal(q.Authors, c.authors) {
				t.Errorf("WithAuthor changed its receiver's authors to %q", q.Authors)
			}
		})
	}
}

func TestCitedPullRequest(t *testing.T) {
	for _, c := range []struct {
		name, message string
		number        int
		title         string
	}{
		{"GitHub merge commit", "Merge pull request #42 from octo/fix-parser\n\nFix the parser\non empty input\n\nMore.", 42, "Fix the parser on empty input"},
		{"squash merge", "Fix crash in CLUSTER SHARDS (#12832)\n\nbody", 12832, "Fix crash in CLUSTER SHARDS"},
		{"squash merge citing two", "Use shard-id of the master (#12805, #12832)", 12805, "Use shard-id of the master"},
		{"GitLab merge commit", "Merge branch 'fix' into 'main'\n\nFix the parser\n\nSee merge request group/app!7", 7, "Fix the parser"},
		{"git.git topic merge", "Merge branch 'ps/foo'\n\nThe foo learned bar.\n\n* ps/foo:\n  foo: bar", 0, ""},
		{"a number inside the subject", "Fix #12 in the middle", 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, title := CitedPullRequest(c.message)
			if n != c.number || title != c.title {
				t.Errorf("CitedPullRequest = %d, %q; want %d, %q", n, title, c.number, c.title)
			}
		})
	}
}

func TestPreviousRelease(t *testing.T) {
	git := []string{"v2.42.0", "v2.43.0-rc0", "v2.43.0", "v2.43.1", "v2.43.3", "v2.44.0-rc2", "v2.44.0", "v2.44.1", "gitgui-0.10", "v1.9.0"}
	redis := []string{"7.0.0", "7.0.15", "7.2-rc1", "7.2.0", "7.2.3", "7.2.4", "2.6.7-1", "with-deprecated-diskstore"}
	for _, c := range []struct {
		tags      []string
		tag, want string
	}{
		{git, "v2.44.0", "v2.43.0"},     // not the rc, not the maintenance release
		{git, "v2.44.0-rc2", "v2.43.0"}, // a pre-release: since the last feature release
		{git, "v2.43.3", "v2.43.1"},     // a maintenance release: the one before it on its line
		{git, "v2.44.1", "v2.44.0"},
		{git, "v2.42.0", "v1.9.0"},
		{redis, "7.2.4", "7.2.3"},
		{redis, "7.2.0", "7.0.0"},
		{redis, "7.0.15", "7.0.0"},
		{redis, "7.0.0", ""},
		{redis, "with-deprecated-diskstore", ""},
	} {
		got, ok := PreviousRelease(c.tags, c.tag)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("PreviousRelease(%s) = %q, %v; want %q", c.tag, got, ok, c.want)
		}
	}
	if got, _ := LatestRelease(git); got != "v2.44.0" {
		t.Errorf("LatestRelease = %q, want v2.44.0", got)
	}
}
