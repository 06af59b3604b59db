package azure

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/providers"
)

// concurrency bounds the repositories (and tags) read at the same time.
const concurrency = 4

// apiTime formats a time the way the API's date parameters take it.
func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// gitUser is a commit's author, committer or a tag's tagger (GitUserDate).
type gitUser struct {
	Name  string    `json:"name"`
	Email string    `json:"email"`
	Date  time.Time `json:"date"`
}

// commit is a Git commit (GitCommitRef).
type commit struct {
	CommitID  string  `json:"commitId"`
	Author    gitUser `json:"author"`
	Committer gitUser `json:"committer"`
	Comment   string  `json:"comment"`
	// Parents are listed by some endpoints (a pull request's commits).
	Parents []string `json:"parents"`
	// RemoteURL is the commit's web page.
	RemoteURL string `json:"remoteUrl"`
}

// identity is an identity reference (IdentityRef).
type identity struct {
	DisplayName string `json:"displayName"`
	UniqueName  string `json:"uniqueName"`
}

// UnmarshalJSON reads an IdentityRef object or, as older servers send in
// work item fields, a string "Display Name <unique name>".
func (id *identity) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		id.DisplayName, id.UniqueName = s, ""
		if i := strings.LastIndex(s, " <"); i >= 0 && strings.HasSuffix(s, ">") {
			id.DisplayName, id.UniqueName = s[:i], s[i+2:len(s)-1]
		}
		return nil
	}
	type plain identity
	return json.Unmarshal(b, (*plain)(id))
}

// login returns the unique name, or else the display name.
func (id identity) login() string {
	if id.UniqueName != "" {
		return id.UniqueName
	}
	return id.DisplayName
}

// pullRequest is a pull request (GitPullRequest).
type pullRequest struct {
	PullRequestID int       `json:"pullRequestId"`
	Title         string    `json:"title"`
	CreationDate  time.Time `json:"creationDate"`
	CreatedBy     identity  `json:"createdBy"`
}

// target is a repository Activity reads: either known from the listing or
// to be fetched by its full name.
type target struct {
	full string
	repo *gitRepo
}

// Activity returns the commits, pull requests with their commits, work
// items (as issues, under their project's name) and tags (as releases) of
// q's repositories ("project/repository"; all when q.Repos is empty), in
// q's period and by q's authors.
func (p *Provider) Activity(ctx context.Context, q activity.Query) ([]activity.Item, error) {
	var targets []target
	var projects []string
	addProject := func(name string) {
		for _, pr := range projects {
			if strings.EqualFold(pr, name) {
				return
			}
		}
		projects = append(projects, name)
	}
	if len(q.Repos) == 0 {
		repos, err := p.listRepos(ctx)
		if err != nil {
			return nil, err
		}
		for i := range repos {
			targets = append(targets, target{full: repos[i].Project.Name + "/" + repos[i].Name, repo: &repos[i]})
			addProject(repos[i].Project.Name)
		}
	} else {
		seen := map[string]bool{}
		for _, full := range q.Repos {
			projectName, repo, err := splitRepo(full)
			if err != nil {
				return nil, err
			}
			if k := strings.ToLower(projectName + "/" + repo); !seen[k] {
				seen[k] = true
				targets = append(targets, target{full: full})
				addProject(projectName)
			}
		}
	}
	var reads []func(context.Context) ([]activity.Item, error)
	for _, t := range targets {
		reads = append(reads, func(ctx context.Context) ([]activity.Item, error) { return p.repoActivity(ctx, t, q) })
	}
	for _, pr := range projects {
		reads = append(reads, func(ctx context.Context) ([]activity.Item, error) { return p.workItems(ctx, pr, q) })
	}
	return providers.Gather(ctx, reads)
}

// repoActivity reads one repository's commits, pull requests and tags.
func (p *Provider) repoActivity(ctx context.Context, t target, q activity.Query) ([]activity.Item, error) {
	if t.repo == nil {
		r, err := p.repo(ctx, t.full)
		if err != nil {
			return nil, err
		}
		t.repo = &r
	}
	r := *t.repo
	if r.DefaultBranch == "" {
		return nil, nil // an empty repository: no commits, pull requests or tags
	}
	commits, err := p.commits(ctx, r, q)
	if err != nil {
		return nil, err
	}
	prs, err := p.pullRequests(ctx, r, q)
	if err != nil {
		return nil, err
	}
	tags, err := p.tagItems(ctx, r, q)
	if err != nil {
		return nil, err
	}
	return append(append(commits, prs...), tags...), nil
}

// commitItem turns a commit into an activity item of repository repo.
func commitItem(repo string, c commit) activity.Item {
	it := activity.Item{Kind: activity.KindCommit, Repo: repo, Date: c.Author.Date, Message: c.Comment, Author: c.Author.Name, SHA: c.CommitID, Parents: c.Parents, URL: c.RemoteURL}
	it.PullRequest, it.PullTitle = activity.CitedPullRequest(c.Comment)
	return it
}

// pullRequestPage is the web page of r's pull request id, under the
// repository's page (the API's pull request carries only its API
// address); "" when the repository's page is unknown.
func pullRequestPage(r gitRepo, id int) string {
	if r.WebURL == "" {
		return ""
	}
	return strings.TrimSuffix(r.WebURL, "/") + "/pullrequest/" + strconv.Itoa(id)
}

// commits reads the default branch's commits of q's period, asking the API
// for the period; authors are matched here (activity.MatchAuthor: a part
// of a name or e-mail, which searchCriteria.author cannot do).
func (p *Provider) commits(ctx context.Context, r gitRepo, q activity.Query) ([]activity.Item, error) {
	v := url.Values{}
	if !q.Since.IsZero() {
		v.Set("searchCriteria.fromDate", apiTime(q.Since))
	}
	if !q.Until.IsZero() {
		v.Set("searchCriteria.toDate", apiTime(q.Until))
	}
	commits, err := allBySkip[commit](ctx, p, "list commits of "+r.Project.Name+"/"+r.Name, r.path()+"/commits", v, "searchCriteria.$top", "searchCriteria.$skip")
	if err != nil {
		return nil, err
	}
	var items []activity.Item
	for _, c := range commits {
		if q.In(c.Author.Date) && q.ByAuthor(c.Author.Name, c.Author.Email) {
			items = append(items, commitItem(r.Name, c))
		}
	}
	return items, nil
}

// Compare returns the commits of branch head that branch base lacks (GET
// .../commits with searchCriteria.itemVersion and compareVersion, every
// page).
func (p *Provider) Compare(ctx context.Context, repo, base, head string) ([]activity.Item, error) {
	r, err := p.repo(ctx, repo)
	if err != nil {
		return nil, err
	}
	v := url.Values{
		"searchCriteria.itemVersion.version": {head}, "searchCriteria.itemVersion.versionType": {"branch"},
		"searchCriteria.compareVersion.version": {base}, "searchCriteria.compareVersion.versionType": {"branch"},
	}
	commits, err := allBySkip[commit](ctx, p, "compare "+base+"..."+head+" of "+repo, r.path()+"/commits", v, "searchCriteria.$top", "searchCriteria.$skip")
	if err != nil {
		return nil, err
	}
	items := make([]activity.Item, 0, len(commits))
	for _, c := range commits {
		items = append(items, commitItem(r.Name, c))
	}
	return items, nil
}

// pullRequests reads the pull requests created in q's period by q's
// authors, and the commits of each in the period.
func (p *Provider) pullRequests(ctx context.Context, r gitRepo, q activity.Query) ([]activity.Item, error) {
	full := r.Project.Name + "/" + r.Name
	v := url.Values{"searchCriteria.status": {"all"}, "searchCriteria.queryTimeRangeType": {"created"}}
	if !q.Since.IsZero() {
		v.Set("searchCriteria.minTime", apiTime(q.Since))
	}
	if !q.Until.IsZero() {
		v.Set("searchCriteria.maxTime", apiTime(q.Until))
	}
	prs, err := allBySkip[pullRequest](ctx, p, "list pull requests of "+full, r.path()+"/pullrequests", v, "$top", "$skip")
	if err != nil {
		return nil, err
	}
	var items []activity.Item
	for _, pr := range prs {
		if !q.In(pr.CreationDate) || !q.ByAuthor(pr.CreatedBy.UniqueName, pr.CreatedBy.DisplayName) {
			continue
		}
		items = append(items, activity.Item{Kind: activity.KindPullRequest, Repo: r.Name, Date: pr.CreationDate, Message: pr.Title, Number: pr.PullRequestID, Author: pr.CreatedBy.login(),
			URL: pullRequestPage(r, pr.PullRequestID)})
		commits, err := allByToken[commit](ctx, p, "list commits of pull request "+strconv.Itoa(pr.PullRequestID)+" of "+full,
			r.path()+"/pullRequests/"+strconv.Itoa(pr.PullRequestID)+"/commits", url.Values{"$top": {"100"}})
		if err != nil {
			return nil, err
		}
		for _, c := range commits {
			if q.In(c.Author.Date) {
				items = append(items, commitItem(r.Name, c))
			}
		}
	}
	return items, nil
}

// wiqlQuery is the body of a WIQL query.
type wiqlQuery struct {
	Query string `json:"query"`
}

// wiqlResult is the reply of a WIQL query (WorkItemQueryResult).
type wiqlResult struct {
	WorkItems []struct {
		ID int `json:"id"`
	} `json:"workItems"`
}

// workItem is a work item (WorkItem) with the fields asked for.
type workItem struct {
	ID     int `json:"id"`
	Fields struct {
		Title       string    `json:"System.Title"`
		CreatedDate time.Time `json:"System.CreatedDate"`
		CreatedBy   identity  `json:"System.CreatedBy"`
		Type        string    `json:"System.WorkItemType"`
	} `json:"fields"`
}

// wiqlString quotes s as a WIQL string literal.
func wiqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// workItemBatch is the most work items one request may ask for.
const workItemBatch = 200

// workItemFields are the fields read of each work item.
const workItemFields = "System.Title,System.CreatedDate,System.CreatedBy,System.WorkItemType"

// workItems reads the work items of project projectName created in q's
// period by q's authors (matched here, as commits are), as issues under the
// project's name.
func (p *Provider) workItems(ctx context.Context, projectName string, q activity.Query) ([]activity.Item, error) {
	op := "query work items of " + projectName
	var b strings.Builder
	b.WriteString("SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = " + wiqlString(projectName))
	if !q.Since.IsZero() {
		b.WriteString(" AND [System.CreatedDate] >= " + wiqlString(apiTime(q.Since)))
	}
	if !q.Until.IsZero() {
		b.WriteString(" AND [System.CreatedDate] < " + wiqlString(apiTime(q.Until)))
	}
	b.WriteString(" ORDER BY [System.Id]")
	var res wiqlResult
	u := p.endpoint(url.PathEscape(projectName)+"/_apis/wit/wiql", url.Values{"timePrecision": {"true"}})
	if _, err := p.do(ctx, op, http.MethodPost, u, wiqlQuery{Query: b.String()}, &res); err != nil {
		return nil, err
	}
	var items []activity.Item
	for start := 0; start < len(res.WorkItems); start += workItemBatch {
		batch := res.WorkItems[start:min(start+workItemBatch, len(res.WorkItems))]
		ids := make([]string, len(batch))
		for i, w := range batch {
			ids[i] = strconv.Itoa(w.ID)
		}
		var page list[*workItem] // errorPolicy=omit answers null for a deleted item
		v := url.Values{"ids": {strings.Join(ids, ",")}, "fields": {workItemFields}, "errorPolicy": {"omit"}}
		if _, err := p.get(ctx, "read work items of "+projectName, "_apis/wit/workitems", v, &page); err != nil {
			return nil, err
		}
		for _, w := range page.Value {
			if w == nil || !q.In(w.Fields.CreatedDate) || !q.ByAuthor(w.Fields.CreatedBy.UniqueName, w.Fields.CreatedBy.DisplayName) {
				continue
			}
			items = append(items, activity.Item{Kind: activity.KindIssue, Repo: projectName, Date: w.Fields.CreatedDate, Message: w.Fields.Title, Number: w.ID, Author: w.Fields.CreatedBy.login()})
		}
	}
	return items, nil
}
