package httpapi

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/progress"
	"github.com/gitpulse/gitpulse/internal/query"
)

// statusPath is the preparation status of a repository.
const statusPath = "/api/repositories/status"

// StatusBody is the answer of GET /api/repositories/status: how far the
// repository's preparation has come (progress.Progress: phase, done,
// total), what can be answered already, and whether this server serves
// statistics per author (/api/repositories/authors).
type StatusBody struct {
	progress.Progress
	Ready       Readiness `json:"ready"`
	AuthorStats bool      `json:"authorStats"`
}

// Readiness says which data of a repository is indexed: its commit
// metadata (summary, commits, heatmap, contributors, punch card answer)
// and its line statistics (churn, activity and authors answer).
type Readiness struct {
	Metadata  bool `json:"metadata"`
	LineStats bool `json:"lineStats"`
}

// status answers at once, never waiting for the repository: it starts
// its preparation as any analytics request would (vetted the same way)
// and reports the progress, so a page can show it from the first second.
func (a *api) status(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	if fields := repoURLErrors(params, a.now()); len(fields) > 0 {
		WriteFailure(w, r, a.log, fault.Fields(fields...))
		return
	}
	info, err := a.svc.Vet(r.Context(), params.Get(query.ParamRepoURL))
	if err != nil {
		WriteFailure(w, r, a.log, fault.Fields(query.FieldError{Field: query.ParamRepoURL, Message: fault.Message(err)}))
		return
	}
	repo := a.svc.PrepareVetted(info, nil)
	body := StatusBody{Progress: repo.Progress(), AuthorStats: a.authorStats}
	if v := repo.View(); v != nil {
		body.Ready = Readiness{Metadata: true, LineStats: v.Index().HasStats}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, body)
}

// repoURLErrors are the validation errors of the repoUrl parameter (absent,
// empty, repeated), worded as for every other endpoint.
func repoURLErrors(params url.Values, now time.Time) []query.FieldError {
	var fields []query.FieldError
	if _, err := query.Parse(url.Values{query.ParamRepoURL: params[query.ParamRepoURL]}, now); err != nil {
		fields = err.(query.Errors)
	}
	return fields
}
