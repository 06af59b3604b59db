package recap

import "github.com/gitpulse/gitpulse/internal/analytics"

// MaxItems bounds the items of one recap: TrimItems keeps the newest
// MaxItems before trimming to the token budget.
const MaxItems = 5000

// CommitItems turns analytics commits of the repository named repo into
// activity items, keeping their order.
func CommitItems(repo string, commits []analytics.Commit) []Item {
	items := make([]Item, 0, len(commits))
	for _, c := range commits {
		items = append(items, Item{Kind: KindCommit, Repo: repo, Date: c.Date, Message: c.Message, Author: c.Author.Name, SHA: c.SHA})
	}
	return items
}
