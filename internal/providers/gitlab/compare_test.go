package gitlab

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/providers"
)

// compareJSON is GET /projects/:id/repository/compare: the commits listed
// oldest first, the newest also as "commit".
func compareJSON(from, to string, commits []map[string]any) map[string]any {
	var newest any = null
	if len(commits) > 0 {
		newest = commits[len(commits)-1]
	}
	return map[string]any{
		"commit": newest, "commits": commits, "diffs": []any{},
		"compare_timeout": false, "compare_same_ref": from == to,
		"web_url": "https://gitlab.example.com/acme/platform/api/-/compare/" + from + "..." + to,
	}
}

func TestCompare(t *testing.T) {
	const path = "/api/v4/projects/acme%2Fplatform%2Fapi/repository/compare"
	f := newFake(t)
	f.mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Get("from") == "main" && q.Get("to") == "feature/limiter":
			writeJSON(w, http.StatusOK, mustJSON(t, compareJSON("main", "feature/limiter", []map[string]any{
				commitJSON("1111111111111111111111111111111111111111", "Add the limiter\n\nWith a token bucket.", "Jane Doe", "jane@example.com",
					"2024-03-04T09:00:00+01:00", "2024-03-04T09:30:00+01:00"),
				commitJSON("2222222222222222222222222222222222222222", "Test the limiter", "John Smith", "john@example.com",
					"2024-03-05T10:00:00Z", "2024-03-05T10:00:00Z"),
				commitJSON("3333333333333333333333333333333333333333", "Document the limiter", "Jane Doe", "jane@example.com",
					"2024-03-06T08:15:00-07:00", "2024-03-06T08:20:00-07:00"),
			})))
		case q.Get("to") == "nope" || q.Get("from") == "nope":
			writeJSON(w, http.StatusNotFound, `{"message":"404 Ref Not Found"}`)
		default:
			t.Errorf("compare asked with %v, want from=main&to=feature/limiter", q)
			writeJSON(w, http.StatusNotFound, `{"message":"404 Ref Not Found"}`)
		}
	})
	p := f.provider()

	items, err := p.Compare(t.Context(), "acme/platform/api", "main", "feature/limiter")
	if err != nil {
		t.Fatal(err)
	}
	qs := f.queries(path)
	if len(qs) != 1 || qs[0].Get("from") != "main" || qs[0].Get("to") != "feature/limiter" || qs[0].Get("straight") == "true" {
		t.Errorf("compare queries %v, want one with from=main, to=feature/limiter, from their merge base", qs)
	}
	at := func(s string) time.Time {
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	want := []activity.Item{
		{Kind: activity.KindCommit, Repo: "api", Date: at("2024-03-06T08:15:00-07:00"), Message: "Document the limiter", Author: "Jane Doe", SHA: "3333333333333333333333333333333333333333"},
		{Kind: activity.KindCommit, Repo: "api", Date: at("2024-03-05T10:00:00Z"), Message: "Test the limiter", Author: "John Smith", SHA: "2222222222222222222222222222222222222222"},
		{Kind: activity.KindCommit, Repo: "api", Date: at("2024-03-04T09:00:00+01:00"), Message: "Add the limiter\n\nWith a token bucket.", Author: "Jane Doe", SHA: "1111111111111111111111111111111111111111"},
	}
	if len(items) != len(want) {
		t.Fatalf("Compare = %q, want %q", keysInOrder(items), keysInOrder(want))
	}
	for i := range want {
		if got := items[i]; got.Kind != want[i].Kind || got.Repo != want[i].Repo || !got.Date.Equal(want[i].Date) ||
			got.Message != want[i].Message || got.Author != want[i].Author || got.SHA != want[i].SHA || got.Number != 0 {
			t.Errorf("item %d = %q, want %q (newest first)", i, key(got), key(want[i]))
		}
	}

	t.Run("unknown branch", func(t *testing.T) {
		_, err := p.Compare(t.Context(), "acme/platform/api", "main", "nope")
		if !errors.Is(err, providers.ErrNotFound) {
			t.Fatalf("Compare(nope) = %v, want ErrNotFound", err)
		}
		var e *providers.Error
		if !errors.As(err, &e) || e.Provider != "gitlab" || e.Status != http.StatusNotFound {
			t.Errorf("error = %#v, want a gitlab *providers.Error with HTTP 404", err)
		}
		if strings.Contains(err.Error(), token) {
			t.Errorf("error shows the token: %v", err)
		}
		if qs := f.queries(path); len(qs) != 2 || qs[1].Get("to") != "nope" {
			t.Errorf("compare queries %v, want a second one to nope", qs)
		}
	})

	t.Run("malformed project", func(t *testing.T) {
		g := newFake(t)
		pg := g.provider()
		for _, name := range []string{"api", "acme//api", "acme/../api", "/api", "acme/api/", "acme/a pi", "acme/api?x", ""} {
			if _, err := pg.Compare(t.Context(), name, "main", "feature/limiter"); !errors.Is(err, providers.ErrInvalid) {
				t.Errorf("Compare(%q) = %v, want ErrInvalid", name, err)
			}
		}
		if n := g.requests(); n != 0 {
			t.Errorf("%d requests for malformed names, want none", n)
		}
	})
}

// keysInOrder renders items in their order.
func keysInOrder(items []activity.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = key(it)
	}
	return out
}
