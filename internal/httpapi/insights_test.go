package httpapi_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestInsightsOverHTTP reads activity, the punch card, author statistics
// and shaped churn of the fixture (commits on 2026-10-01 Thu, 10-02 Fri
// and 10-11 Sun, 10:00 UTC) and checks the AUTHOR_STATS switch.
func TestInsightsOverHTTP(t *testing.T) {
	repo := fixture(t)
	off := newServer(t, serverOpts{})
	var failed struct {
		Error string `json:"error"`
		Code  int    `json:"code"`
	}
	if resp := off.get("/api/repositories/authors", params("repoUrl", repo), &failed); resp.StatusCode != http.StatusNotFound ||
		!strings.Contains(failed.Error, "AUTHOR_STATS=true") {
		t.Errorf("authors without AUTHOR_STATS: %d %+v", resp.StatusCode, failed)
	}

	s := newServer(t, serverOpts{authorStats: true, cached: true})
	type point struct {
		Date                                   string
		Commits, Additions, Deletions, Authors int
	}
	var act struct {
		Activity struct {
			TimePeriod string
			Data       []point
		} `json:"activity"`
	}
	for range 2 { // computed, then from the cache
		if resp := s.get("/api/repositories/activity", params("repoUrl", repo, "fromDate", "2026-09-28", "toDate", "2026-10-18", "timePeriod", "week"), &act); resp.StatusCode != http.StatusOK {
			t.Fatalf("activity: %d", resp.StatusCode)
		}
		want := []point{{"2026-09-28", 2, 5, 1, 2}, {"2026-10-05", 1, 2, 0, 1}, {"2026-10-12", 0, 0, 0, 0}}
		if act.Activity.TimePeriod != "week" || len(act.Activity.Data) != len(want) {
			t.Fatalf("activity %+v", act.Activity)
		}
		for k, p := range act.Activity.Data {
			if p != want[k] {
				t.Errorf("activity bucket %d: %+v, want %+v", k, p, want[k])
			}
		}
	}

	var pc struct {
		Punchcard struct {
			Data []struct{ Day, Hour, Commits int }
		} `json:"punchcard"`
	}
	s.get("/api/repositories/punchcard", params("repoUrl", repo), &pc)
	if len(pc.Punchcard.Data) != 168 {
		t.Fatalf("%d punch card cells", len(pc.Punchcard.Data))
	}
	for k, c := range pc.Punchcard.Data {
		want := 0
		if c.Hour == 10 && (c.Day == 4 || c.Day == 5 || c.Day == 0) {
			want = 1
		}
		if c.Day != k/24 || c.Hour != k%24 || c.Commits != want {
			t.Errorf("cell %d: %+v, want %d commits", k, c, want)
		}
	}

	var au struct {
		Authors []struct {
			Name                          string
			Commits, Additions, Deletions int
			FirstCommit, LastCommit       string
		}
	}
	s.get("/api/repositories/authors", params("repoUrl", repo, "author", "alice"), &au)
	if len(au.Authors) != 2 || au.Authors[0].Name != "Alice" || au.Authors[0].Additions != 3 ||
		au.Authors[1].Name != "alice" || au.Authors[1].FirstCommit != "2026-10-11T10:00:00Z" {
		t.Errorf("authors %+v", au.Authors)
	}

	var churn struct {
		ChurnData struct {
			Files       []struct{ Path string }
			Summary     struct{ TotalFiles int }
			Directories []struct {
				Path                                          string
				Additions, Deletions, Changes, Commits, Files int
			}
		} `json:"churnData"`
	}
	s.get("/api/repositories/churn", params("repoUrl", repo, "limit", "1", "groupBy", "directory"), &churn)
	d := churn.ChurnData
	if len(d.Files) != 1 || d.Files[0].Path != "src/app.ts" || d.Summary.TotalFiles != 3 || len(d.Directories) != 2 {
		t.Fatalf("churn %+v", d)
	}
	if src := d.Directories[0]; src.Path != "src" || src.Changes != 6 || src.Commits != 3 || src.Files != 2 {
		t.Errorf("src %+v", src)
	}
	if top := d.Directories[1]; top.Path != "." || top.Changes != 2 || top.Commits != 2 || top.Files != 1 {
		t.Errorf(". %+v", top)
	}
	var plain struct {
		ChurnData struct {
			Files       []struct{ Path string }
			Directories []any
		} `json:"churnData"`
	}
	s.get("/api/repositories/churn", params("repoUrl", repo), &plain)
	if len(plain.ChurnData.Files) != 3 || plain.ChurnData.Directories != nil {
		t.Errorf("churn without limit or groupBy: %+v", plain.ChurnData)
	}

	// Exclusions are part of the cache key: the cached answer above is
	// not served for them.
	s.get("/api/repositories/churn", params("repoUrl", repo, "exclude", "src/"), &plain)
	if len(plain.ChurnData.Files) != 1 || strings.HasPrefix(plain.ChurnData.Files[0].Path, "src/") {
		t.Errorf("churn with exclude=src/: %+v", plain.ChurnData)
	}

	var bad struct {
		Details []struct{ Field string }
	}
	if resp := s.get("/api/repositories/commits", params("repoUrl", repo, "excludeBots", "1", "exclude", "a/[b"), &bad); resp.StatusCode != http.StatusBadRequest || len(bad.Details) != 2 {
		t.Errorf("bad excludeBots and exclude: %d %+v", resp.StatusCode, bad)
	}
	if resp := s.get("/api/repositories/churn", params("repoUrl", repo, "groupBy", "file", "depth", "0"), &bad); resp.StatusCode != http.StatusBadRequest || len(bad.Details) != 2 {
		t.Errorf("bad groupBy and depth: %d %+v", resp.StatusCode, bad)
	}
	var doc struct{ Paths map[string]any }
	s.get("/api/openapi.json", nil, &doc)
	for _, p := range []string{"activity", "punchcard", "authors", "ownership", "coupling"} {
		if doc.Paths["/api/repositories/"+p] == nil {
			t.Errorf("openapi.json lacks %s", p)
		}
	}
}

// TestOwnershipAndCouplingOverHTTP reads ownership (only with
// AUTHOR_STATS) and coupling of the fixture: Alice adds src/app.ts (2
// lines) and README.md (1), Bob changes 3 lines of src/app.ts, "alice"
// adds a line to README.md and src/util.go (1).
func TestOwnershipAndCouplingOverHTTP(t *testing.T) {
	repo := fixture(t)
	off := newServer(t, serverOpts{})
	var failed struct{ Error string }
	if resp := off.get("/api/repositories/ownership", params("repoUrl", repo), &failed); resp.StatusCode != http.StatusNotFound ||
		!strings.Contains(failed.Error, "AUTHOR_STATS=true") {
		t.Errorf("ownership without AUTHOR_STATS: %d %+v", resp.StatusCode, failed)
	}
	s := newServer(t, serverOpts{authorStats: true, cached: true})
	type share struct {
		Name    string
		Changes int
		Share   float64
	}
	type dir struct {
		Path                    string
		Changes, Files, Authors int
		TopAuthors              []share
		TopShare                float64
		BusFactor               int
		BusFactorAuthors        []string
	}
	var own struct {
		Ownership struct {
			Directories []dir
			Summary     dir
		}
	}
	if resp := s.get("/api/repositories/ownership", params("repoUrl", repo), &own); resp.StatusCode != http.StatusOK {
		t.Fatalf("ownership: %d", resp.StatusCode)
	}
	want := []dir{
		// src/app.ts: Bob 3 lines, Alice 2 (at least half of 3: active);
		// src/util.go: alice. Both files are orphaned only when all
		// three have left.
		{"src", 6, 2, 3, []share{{"Bob", 3, 0.5}, {"Alice", 2, 0.3333}, {"alice", 1, 0.1667}}, 0.5, 3, []string{"Bob", "Alice", "alice"}},
		{".", 2, 1, 2, []share{{"Alice", 1, 0.5}, {"alice", 1, 0.5}}, 0.5, 2, []string{"Alice", "alice"}},
	}
	if len(own.Ownership.Directories) != len(want) {
		t.Fatalf("ownership %+v", own.Ownership)
	}
	for k, d := range own.Ownership.Directories {
		if !reflect.DeepEqual(d, want[k]) {
			t.Errorf("directory %d: %+v, want %+v", k, d, want[k])
		}
	}
	if sum := own.Ownership.Summary; sum.Changes != 8 || sum.Files != 3 || sum.TopAuthors[0].Name != "Alice" {
		t.Errorf("summary %+v", sum)
	}

	type pair struct {
		Path, CoupledPath                          string
		SharedCommits, PathCommits, CoupledCommits int
		Support, Confidence, CoupledConfidence     float64
	}
	var cp struct {
		Coupling struct {
			Pairs   []pair
			Summary struct{ Commits, BulkCommits, Pairs int }
		}
	}
	if resp := off.get("/api/repositories/coupling", params("repoUrl", repo, "minShared", "1"), &cp); resp.StatusCode != http.StatusOK {
		t.Fatalf("coupling: %d", resp.StatusCode)
	}
	wantPairs := []pair{
		{"src/util.go", "README.md", 1, 1, 2, 0.3333, 1, 0.5},
		{"README.md", "src/app.ts", 1, 2, 2, 0.3333, 0.5, 0.5},
	}
	if !reflect.DeepEqual(cp.Coupling.Pairs, wantPairs) || cp.Coupling.Summary.Commits != 3 || cp.Coupling.Summary.Pairs != 2 {
		t.Errorf("coupling %+v, want pairs %+v", cp.Coupling, wantPairs)
	}
	// maxFiles=2 still counts every commit (two files at most); a pair
	// needs minShared=3 by default.
	off.get("/api/repositories/coupling", params("repoUrl", repo, "maxFiles", "2"), &cp)
	if len(cp.Coupling.Pairs) != 0 || cp.Coupling.Summary.BulkCommits != 0 {
		t.Errorf("coupling by default: %+v", cp.Coupling)
	}
	var bad struct{ Details []struct{ Field string } }
	if resp := off.get("/api/repositories/coupling", params("repoUrl", repo, "maxFiles", "1", "minShared", "x"), &bad); resp.StatusCode != http.StatusBadRequest || len(bad.Details) != 2 {
		t.Errorf("bad maxFiles and minShared: %d %+v", resp.StatusCode, bad)
	}
}
