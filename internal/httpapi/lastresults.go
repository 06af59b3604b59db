package httpapi

import (
	"crypto/sha256"
	"sync"

	"github.com/gitpulse/gitpulse/internal/activity"
)

// maxRememberedResults bounds how many results are kept, all sessions
// together; the oldest is forgotten first.
const maxRememberedResults = 256

// lastResults remembers sessions' recent GET /actions and GET
// /release_notes results, so that a WebSocket message carrying such a
// result's text unchanged (spec 000's {"actions": ...}) is summarised
// from its items, never by parsing the text. Safe for concurrent use.
type lastResults struct {
	mu    sync.Mutex
	order []resultKey // oldest first
	items map[resultKey][]activity.Item
}

// resultKey names a result: its session and its text's digest.
type resultKey struct {
	session string
	digest  [sha256.Size]byte
}

// remember keeps items as a result of session whose text is actions.
func (l *lastResults) remember(session, actions string, items []activity.Item) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.items == nil {
		l.items = map[resultKey][]activity.Item{}
	}
	k := resultKey{session, sha256.Sum256([]byte(actions))}
	if _, ok := l.items[k]; !ok {
		l.order = append(l.order, k)
		if len(l.order) > maxRememberedResults {
			delete(l.items, l.order[0])
			l.order = l.order[1:]
		}
	}
	l.items[k] = items
}

// lookup returns the items of session's remembered result whose text is
// actions, or nil.
func (l *lastResults) lookup(session, actions string) []activity.Item {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.items[resultKey{session, sha256.Sum256([]byte(actions))}]
}
