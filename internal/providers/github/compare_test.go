package github

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/providers"
)

// comparison is GitHub's commit-comparison object for one page of commits
// (listed oldest first); total is the number of commits over all pages.
func comparison(repo, base, head string, total int, commits []any) map[string]any {
	return map[string]any{
		"url":               apiURL("repos/" + repo + "/compare/" + base + "..." + head),
		"html_url":          "https://github.com/" + repo + "/compare/" + base + "..." + head,
		"permalink_url":     "https://github.com/" + repo + "/compare/octo:bbbbbbb...octo:aaaaaaa",
		"diff_url":          "https://github.com/" + repo + "/compare/" + base + "..." + head + ".diff",
		"patch_url":         "https://github.com/" + repo + "/compare/" + base + "..." + head + ".patch",
		"base_commit":       commit(repo, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "octocat", "Mona Lisa", since, "Base"),
		"merge_base_commit": commit(repo, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "octocat", "Mona Lisa", since, "Base"),
		"status":            "ahead", "ahead_by": total, "behind_by": 0, "total_commits": total,
		"commits": commits, "files": []any{},
	}
}

func TestCompare(t *testing.T) {
	const repo = "octo/api"
	// 101 commits on feature/recap that main lacks, oldest first as GitHub
	// lists them: two pages of at most 100. The oldest has a git author
	// that matches no GitHub account.
	var all []any
	for i := range 101 {
		login, name := "octocat", "Mona Lisa"
		if i == 0 {
			login, name = "", "Jane Doe"
		}
		all = append(all, commit(repo, fmt.Sprintf("%040x", i+1), login, name, day(0, i), fmt.Sprintf("Change %d\n\nDetails.", i)))
	}
	pages := chunk(all, 100)
	if len(pages) != 2 {
		t.Fatalf("fixture has %d pages, want 2", len(pages))
	}

	f := newFake(t)
	f.handle("GET /repos/octo/api/compare/{spec}", func(w http.ResponseWriter, r *http.Request) {
		switch spec := r.PathValue("spec"); spec {
		case "main...feature/recap":
			n := 1
			if r.URL.Query().Get("page") == "2" {
				n = 2
			}
			if n == 1 {
				// GitHub's Link header, the branch name escaped as asked.
				next := fmt.Sprintf("http://%s%s?page=2&per_page=100", r.Host, r.URL.EscapedPath())
				w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\", <%s>; rel=\"last\"", next, next))
			}
			body := comparison(repo, "main", "feature/recap", len(all), pages[n-1])
			writeJSON(w, http.StatusOK, body)
		case "main...nope":
			writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/commits/commits#compare-two-commits")
		default:
			t.Errorf("compared %q, want base...head", spec)
			writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/commits/commits#compare-two-commits")
		}
	})
	p := f.provider()

	items, err := p.Compare(t.Context(), repo, "main", "feature/recap")
	if err != nil {
		t.Fatal(err)
	}
	qs := f.queries("/repos/octo/api/compare/main...feature/recap")
	if len(qs) != 2 || qs[0].Get("per_page") != "100" || qs[0].Get("page") != "" || qs[1].Get("page") != "2" || qs[1].Get("per_page") != "100" {
		t.Errorf("compare requests %v, want page 1 and 2 with per_page=100", qs)
	}
	if len(items) != len(all) {
		t.Fatalf("Compare gave %d items, want %d:\n%q", len(items), len(all), describe(items))
	}
	newest := activity.Item{Kind: activity.KindCommit, Repo: "api", Date: day(0, 100), Message: "Change 100\n\nDetails.", Author: "octocat", SHA: fmt.Sprintf("%040x", 101)}
	oldest := activity.Item{Kind: activity.KindCommit, Repo: "api", Date: day(0, 0), Message: "Change 0\n\nDetails.", Author: "Jane Doe", SHA: fmt.Sprintf("%040x", 1)}
	for i, want := range map[int]activity.Item{0: newest, len(items) - 1: oldest} {
		if got := items[i]; got.Kind != want.Kind || got.Repo != want.Repo || !got.Date.Equal(want.Date) ||
			got.Message != want.Message || got.Author != want.Author || got.SHA != want.SHA || got.Number != 0 {
			t.Errorf("item %d = %+v, want %+v", i, got, want)
		}
	}
	for i, it := range items {
		if want := fmt.Sprintf("%040x", len(items)-i); it.SHA != want || it.Kind != activity.KindCommit || it.Repo != "api" {
			t.Errorf("item %d is %s %s of %q, want commit %s of api: not newest first", i, it.Kind, it.SHA, it.Repo, want)
			break
		}
	}
	if !slices.IsSortedFunc(items, func(a, b activity.Item) int { return b.Date.Compare(a.Date) }) {
		t.Errorf("items not newest first:\n%q", describe(items))
	}

	t.Run("unknown branch", func(t *testing.T) {
		_, err := p.Compare(t.Context(), repo, "main", "nope")
		pe := checkErr(t, err, providers.ErrNotFound)
		if pe.Status != http.StatusNotFound || pe.Message != "Not Found" {
			t.Errorf("error %+v, want HTTP 404 with GitHub's message", pe)
		}
		if n := len(f.queries("/repos/octo/api/compare/main...nope")); n != 1 {
			t.Errorf("%d requests for main...nope, want 1", n)
		}
	})

	t.Run("malformed repo", func(t *testing.T) {
		g := newFake(t)
		pg := g.provider()
		for _, name := range []string{"api", "octo/", "/api", "octo/api/x", "octo/a pi", "octo/..", ""} {
			_, err := pg.Compare(t.Context(), name, "main", "feature/recap")
			checkErr(t, err, providers.ErrInvalid)
		}
		if n := g.count(); n != 0 {
			t.Errorf("%d requests for malformed names, want none", n)
		}
	})
}
