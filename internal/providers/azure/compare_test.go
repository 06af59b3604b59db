package azure

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/providers"
)

// compareFake is the fake organisation answering, for Fabrikam Fiber/Fiber,
// Get Repository and a Get Commits that compares branches: 101 commits on
// feature/login that main lacks, newest first as Azure DevOps lists them.
func compareFake(t *testing.T) *fakeAzure {
	f := newFake(t)
	var ahead []map[string]any
	for i := 101; i >= 1; i-- {
		ahead = append(ahead, gitCommit(fmt.Sprintf("fea7%036d", i), "Jamal Hartnett", "fabrikamfiber4@hotmail.com",
			time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Hour).Format(time.RFC3339), fmt.Sprintf("Login change %d", i)))
	}
	ahead[len(ahead)-1]["author"] = map[string]any{"name": "Norman Paulk", "email": "fabrikamfiber16@hotmail.com", "date": "2024-02-29T17:00:00-08:00"}
	branches := map[string]bool{"main": true, "feature/login": true}
	const repoPath = "/myorg/" + projFab + "/_apis/git/repositories/Fiber"
	f.override = func(w http.ResponseWriter, r *http.Request) {
		if _, pass, ok := r.BasicAuth(); !ok || pass != token {
			signInPage(w)
			return
		}
		q := r.URL.Query()
		if q.Get("api-version") != "7.1" {
			azureError(w, http.StatusBadRequest, "VssInvalidApiVersionException", "The requested REST API version is invalid.")
			return
		}
		switch r.URL.Path {
		case repoPath:
			writeJSON(w, http.StatusOK, fiberRepo())
		case repoPath + "/commits":
			item, compare := q.Get("searchCriteria.itemVersion.version"), q.Get("searchCriteria.compareVersion.version")
			if q.Get("searchCriteria.itemVersion.versionType") != "branch" || q.Get("searchCriteria.compareVersion.versionType") != "branch" {
				azureError(w, http.StatusBadRequest, "InvalidArgumentValueException", "the test expects branch versions")
				return
			}
			for _, b := range []string{item, compare} {
				if !branches[b] {
					azureError(w, http.StatusNotFound, "GitUnresolvableToCommitException",
						"TF401175: The version descriptor <Branch: "+b+" > could not be resolved to a version in the repository Fiber")
					return
				}
			}
			if item == "feature/login" && compare == "main" {
				collection(w, page(ahead, q, "searchCriteria.$top", "searchCriteria.$skip"))
				return
			}
			collection(w, []map[string]any{})
		default:
			azureError(w, http.StatusNotFound, "ResourceNotFoundException", "no route for "+r.URL.Path)
		}
	}
	return f
}

func TestCompare(t *testing.T) {
	f := compareFake(t)
	p := f.provider(t)
	items, err := p.Compare(context.Background(), projFab+"/Fiber", "main", "feature/login")
	if err != nil {
		t.Fatal(err)
	}

	reqs := f.requests("/Fiber/commits")
	if len(reqs) != 2 {
		t.Fatalf("%d commit requests, want 2 pages", len(reqs))
	}
	for i, r := range reqs {
		q := r.URL.Query()
		for k, want := range map[string]string{
			"searchCriteria.itemVersion.version":        "feature/login",
			"searchCriteria.itemVersion.versionType":    "branch",
			"searchCriteria.compareVersion.version":     "main",
			"searchCriteria.compareVersion.versionType": "branch",
			"searchCriteria.$top":                       "100",
			"searchCriteria.$skip":                      fmt.Sprint(100 * i),
		} {
			if got := q.Get(k); got != want {
				t.Errorf("request %d: %s = %q, want %q", i, k, got, want)
			}
		}
	}
	if n := len(f.requests("/repositories/Fiber")); n != 1 {
		t.Errorf("%d reads of the repository, want 1", n)
	}

	if len(items) != 101 {
		t.Fatalf("Compare gave %d items, want 101", len(items))
	}
	for i, it := range items {
		want := fmt.Sprintf("fea7%036d", 101-i)
		if it.SHA != want || it.Kind != activity.KindCommit || it.Repo != "Fiber" || it.Message != fmt.Sprintf("Login change %d", 101-i) {
			t.Fatalf("item %d = %q, want commit %s of Fiber, newest first", i, key(it), want)
		}
		if i > 0 && !it.Date.Before(items[i-1].Date) {
			t.Fatalf("item %d dated %s, not before item %d's %s", i, it.Date, i-1, items[i-1].Date)
		}
	}
	first := activity.Item{Kind: activity.KindCommit, Repo: "Fiber", Date: time.Date(2024, 3, 5, 5, 0, 0, 0, time.UTC),
		Message: "Login change 101", Author: "Jamal Hartnett", SHA: fmt.Sprintf("fea7%036d", 101)}
	last := activity.Item{Kind: activity.KindCommit, Repo: "Fiber", Date: time.Date(2024, 3, 1, 1, 0, 0, 0, time.UTC),
		Message: "Login change 1", Author: "Norman Paulk", SHA: fmt.Sprintf("fea7%036d", 1)}
	for i, want := range map[int]activity.Item{0: first, 100: last} {
		if got := items[i]; key(got) != key(want) || !got.Date.Equal(want.Date) {
			t.Errorf("item %d = %q, want %q", i, key(got), key(want))
		}
	}
}

func TestCompareUnknownBranch(t *testing.T) {
	f := compareFake(t)
	_, err := f.provider(t).Compare(context.Background(), projFab+"/Fiber", "main", "nope")
	if !errors.Is(err, providers.ErrNotFound) || !strings.Contains(err.Error(), "TF401175") {
		t.Fatalf("error = %v, want ErrNotFound with Azure's message", err)
	}
	var e *providers.Error
	if !errors.As(err, &e) || e.Provider != "azure" || e.Status != http.StatusNotFound {
		t.Errorf("error = %#v, want an azure *providers.Error with HTTP 404", err)
	}
	noToken(t, err)
	reqs := f.requests("/Fiber/commits")
	if len(reqs) != 1 || reqs[0].URL.Query().Get("searchCriteria.itemVersion.version") != "nope" {
		t.Errorf("commit requests %v, want one for nope", reqs)
	}
}

func TestCompareInvalidRepo(t *testing.T) {
	f := compareFake(t)
	p := f.provider(t)
	for _, name := range []string{"Fiber", "/Fiber", "Fabrikam Fiber/", "a/b/c", ""} {
		if _, err := p.Compare(context.Background(), name, "main", "feature/login"); !errors.Is(err, providers.ErrInvalid) {
			t.Errorf("Compare(%q) error = %v, want ErrInvalid", name, err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.log) != 0 {
		t.Errorf("%d requests made for malformed names, want none", len(f.log))
	}
}
