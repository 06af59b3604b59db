package azure

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/providers"
)

// connectionData is the reply of _apis/connectionData.
type connectionData struct {
	AuthenticatedUser struct {
		Properties struct {
			Account struct {
				Value string `json:"$value"`
			} `json:"Account"`
		} `json:"properties"`
	} `json:"authenticatedUser"`
}

// User checks the token and returns the signed-in user's sign-in address
// (on Azure DevOps Server, account name).
func (p *Provider) User(ctx context.Context) (string, error) {
	const op = "check the token"
	var cd connectionData
	// connectionData takes no api-version: it is not a versioned resource.
	if _, err := p.do(ctx, op, http.MethodGet, p.base+"/_apis/connectionData", nil, &cd); err != nil {
		return "", err
	}
	if login := strings.TrimSpace(cd.AuthenticatedUser.Properties.Account.Value); login != "" {
		return login, nil
	}
	// An anonymous connection names no account.
	return "", &providers.Error{Provider: name, Op: op, Kind: providers.ErrUnauthorized, Message: "Azure DevOps did not name a signed-in user"}
}

// project is a team project (TeamProjectReference).
type project struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Visibility string `json:"visibility"`
}

// gitRepo is a Git repository (GitRepository).
type gitRepo struct {
	Name          string  `json:"name"`
	DefaultBranch string  `json:"defaultBranch"`
	WebURL        string  `json:"webUrl"`
	IsDisabled    bool    `json:"isDisabled"`
	Project       project `json:"project"`
}

// path returns the escaped route of the repository's API.
func (r gitRepo) path() string {
	return repoPath(r.Project.Name, r.Name)
}

// repoPath returns the escaped route of a repository's API.
func repoPath(projectName, repo string) string {
	return url.PathEscape(projectName) + "/_apis/git/repositories/" + url.PathEscape(repo)
}

// headsPrefix starts the full name of a branch.
const headsPrefix = "refs/heads/"

// Repos lists the organisation's enabled Git repositories, of all
// projects. A repository is private unless its project is public.
func (p *Provider) Repos(ctx context.Context) ([]activity.Repo, error) {
	projects, err := allByToken[project](ctx, p, "list projects", "_apis/projects", url.Values{"$top": {"100"}})
	if err != nil {
		return nil, err
	}
	visibility := make(map[string]string, len(projects))
	for _, pr := range projects {
		visibility[pr.ID] = pr.Visibility
	}
	repos, err := p.listRepos(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]activity.Repo, 0, len(repos))
	for _, r := range repos {
		vis := r.Project.Visibility
		if vis == "" {
			vis = visibility[r.Project.ID]
		}
		out = append(out, activity.Repo{
			Name:          r.Name,
			Owner:         r.Project.Name,
			FullName:      r.Project.Name + "/" + r.Name,
			URL:           r.WebURL,
			Platform:      name,
			Private:       !strings.EqualFold(vis, "public"),
			DefaultBranch: strings.TrimPrefix(r.DefaultBranch, headsPrefix),
		})
	}
	return out, nil
}

// listRepos returns the organisation's enabled Git repositories.
func (p *Provider) listRepos(ctx context.Context) ([]gitRepo, error) {
	var repos list[gitRepo]
	if _, err := p.get(ctx, "list repositories", "_apis/git/repositories", nil, &repos); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(repos.Value, func(r gitRepo) bool { return r.IsDisabled }), nil
}

// splitRepo splits a FullName, "project/repository", into its parts.
func splitRepo(full string) (projectName, repo string, err error) {
	projectName, repo, ok := strings.Cut(full, "/")
	projectName, repo = strings.TrimSpace(projectName), strings.TrimSpace(repo)
	if !ok || projectName == "" || repo == "" || strings.Contains(repo, "/") {
		return "", "", &providers.Error{Provider: name, Op: "read a repository", Kind: providers.ErrInvalid, Message: "a repository is named \"project/repository\", not " + quote(full)}
	}
	return projectName, repo, nil
}

// quote quotes a caller's name for an error message, bounded.
func quote(s string) string {
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return `"` + s + `"`
}

// repo fetches the repository named full ("project/repository").
func (p *Provider) repo(ctx context.Context, full string) (gitRepo, error) {
	projectName, repo, err := splitRepo(full)
	if err != nil {
		return gitRepo{}, err
	}
	var r gitRepo
	if _, err := p.get(ctx, "read repository "+full, repoPath(projectName, repo), nil, &r); err != nil {
		return gitRepo{}, err
	}
	return r, nil
}

// gitRef is a Git reference (GitRef).
type gitRef struct {
	Name           string `json:"name"`
	ObjectID       string `json:"objectId"`
	PeeledObjectID string `json:"peeledObjectId"`
}

// refs lists the repository's references starting with filter ("heads/"
// or "tags/"), following continuation tokens to the end.
func (p *Provider) refs(ctx context.Context, r gitRepo, filter string, peel bool) ([]gitRef, error) {
	q := url.Values{"filter": {filter}, "$top": {"1000"}}
	if peel {
		q.Set("peelTags", "true")
	}
	return allByToken[gitRef](ctx, p, "list references of "+r.Project.Name+"/"+r.Name, r.path()+"/refs", q)
}

// Branches returns the names of repo's branches ("project/repository"),
// the default one first.
func (p *Provider) Branches(ctx context.Context, repo string) ([]string, error) {
	r, err := p.repo(ctx, repo)
	if err != nil {
		return nil, err
	}
	refs, err := p.refs(ctx, r, "heads/", false)
	if err != nil {
		return nil, err
	}
	def := strings.TrimPrefix(r.DefaultBranch, headsPrefix)
	names := make([]string, 0, len(refs))
	for _, ref := range refs {
		if b, ok := strings.CutPrefix(ref.Name, headsPrefix); ok && b != def {
			names = append(names, b)
		}
	}
	if def != "" && slices.ContainsFunc(refs, func(ref gitRef) bool { return ref.Name == headsPrefix+def }) {
		names = slices.Insert(names, 0, def)
	}
	return names, nil
}
