package recap

import (
	"cmp"
	"slices"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
)

// Topic is one topic of the activity a response was written from: a
// merged branch, a pull request, a cluster of commits on one subsystem, a
// single commit or an issue, with the commits it groups, so that a reader
// can see what a bullet was made from.
type Topic struct {
	// Bullet is the bullet written from this topic: 1 for the first line
	// of the response that starts with "- ", 2 for the second, and so on;
	// 0 when no bullet is known to be, as when a model wrote the response
	// (its bullets are its own).
	Bullet int `json:"bullet,omitempty"`
	// Kind is "branch" (a merged branch), "pull_request", "subsystem"
	// (commits sharing a subject prefix or conventional-commit scope),
	// "commit" or "issue".
	Kind string `json:"kind"`
	// Theme is the kind of change: Feature, Fix, Performance,
	// Documentation, Internal or Issue.
	Theme string `json:"theme"`
	// Title is what the topic says it did, as the summariser read it: a
	// merged branch's description, a pull request's or issue's title, or
	// its first commit's subject.
	Title string `json:"title"`
	// Repo is the repository's name.
	Repo string `json:"repo"`
	// Branch is a merged branch's name; Subsystem what a cluster's
	// commits (or a branch's name) say they are about.
	Branch    string `json:"branch,omitempty"`
	Subsystem string `json:"subsystem,omitempty"`
	// Number is the pull request's or issue's number, 0 if none.
	Number int `json:"number,omitempty"`
	// URL is the pull request's or issue's page, when the provider gives one.
	URL string `json:"url,omitempty"`
	// Commits are the topic's commits (merges left out), newest first.
	Commits []TopicCommit `json:"commits"`
	// Additions and Deletions are the lines its commits add and remove;
	// Files how many paths they change. All are 0 when the provider
	// gives no line counts (hosted APIs) or the activity came as text.
	Additions int `json:"additions"`
	Deletions int `json:"deletions"`
	Files     int `json:"files"`
}

// TopicCommit is one commit of a Topic.
type TopicCommit struct {
	// SHA is the commit's hash; "" when the activity came as text.
	SHA string `json:"sha,omitempty"`
	// Subject is the first line of its message.
	Subject string `json:"subject"`
	// Date is its author date, as the activity gives it.
	Date time.Time `json:"date,omitzero"`
	// Additions and Deletions are the lines it adds and removes.
	Additions int `json:"additions"`
	Deletions int `json:"deletions"`
	// URL is its page, when the provider gives one.
	URL string `json:"url,omitempty"`
}

// Topics groups items into the topics the built-in summariser writes
// about, biggest first, none of them tied to a bullet (Bullet 0): what a
// model's response was written from.
func Topics(items []activity.Item) []Topic {
	return exported(rankedTopics(items), false)
}

// exported returns topics as Topics; numbered ties each to the bullet of
// its place (the first topic to bullet 1).
func exported(topics []*topic, numbered bool) []Topic {
	out := make([]Topic, 0, len(topics))
	for i, t := range topics {
		e := Topic{Kind: t.kind, Theme: themeNames[t.theme].label, Title: t.title, Repo: t.repo, Branch: t.branch, Subsystem: t.subsystem,
			Number: t.number, URL: t.url, Commits: make([]TopicCommit, 0, len(t.members)), Files: len(t.files)}
		if numbered {
			e.Bullet = i + 1
		}
		members := slices.Clone(t.members)
		slices.SortStableFunc(members, func(a, b activity.Item) int { return cmp.Compare(b.Date.Unix(), a.Date.Unix()) })
		for _, c := range members {
			e.Commits = append(e.Commits, TopicCommit{SHA: c.SHA, Subject: firstLine(c.Message), Date: c.Date,
				Additions: c.Additions, Deletions: c.Deletions, URL: c.URL})
			e.Additions += c.Additions
			e.Deletions += c.Deletions
		}
		out = append(out, e)
	}
	return out
}
