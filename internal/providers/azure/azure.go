// Package azure reads a signed-in user's activity from Azure DevOps
// Services or Azure DevOps Server through a small typed client of the REST
// API (version 7.1) over net/http: repositories, commits, pull requests with
// their commits, work items and tags, the service's stand-in for releases.
package azure

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/providers"
)

// name is the provider's name in errors and in Repo.Platform.
const name = "azure"

// apiVersion is the REST API version every documented route is asked for.
const apiVersion = "7.1"

// continuationHeader carries the token of the next page of a listing.
const continuationHeader = "X-Ms-Continuationtoken"

// maxErrorBody bounds what is read of an error reply.
const maxErrorBody = 64 << 10

// Provider reads one user's activity from one Azure DevOps organisation
// (or Azure DevOps Server collection). It is safe for concurrent use.
type Provider struct {
	base   string // the organisation's URL, without a trailing slash
	token  string
	client *http.Client
}

var _ activity.Provider = (*Provider)(nil)

// New returns a Provider for the organisation at opts.BaseURL (such as
// https://dev.azure.com/myorg or an Azure DevOps Server collection URL) or,
// when that is empty, for https://dev.azure.com/{opts.Organization}. It
// signs requests with opts.Token, a personal access token, as HTTP Basic
// password. Without either address the error wraps providers.ErrInvalid.
func New(opts providers.Options) (*Provider, error) {
	base := strings.TrimRight(strings.TrimSpace(opts.BaseURL), "/")
	switch {
	case base != "":
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, &providers.Error{Provider: name, Op: "configure", Kind: providers.ErrInvalid, Message: "the organisation URL must be an http(s) address without query"}
		}
	case strings.TrimSpace(opts.Organization) != "":
		base = "https://dev.azure.com/" + url.PathEscape(strings.TrimSpace(opts.Organization))
	default:
		return nil, &providers.Error{Provider: name, Op: "configure", Kind: providers.ErrInvalid, Message: "an organisation URL or name is required"}
	}
	return &Provider{base: base, token: opts.Token, client: opts.Client()}, nil
}

// list is the envelope of Azure DevOps collections.
type list[T any] struct {
	Count int `json:"count"`
	Value []T `json:"value"`
}

// apiError is the body of Azure DevOps error replies.
type apiError struct {
	Message string `json:"message"`
}

// endpoint returns the address of path (relative to the organisation, its
// segments already escaped) with query q and the API version.
func (p *Provider) endpoint(path string, q url.Values) string {
	v := cloneValues(q)
	v.Set("api-version", apiVersion)
	return p.base + "/" + path + "?" + v.Encode()
}

// do sends a request to address u with body (if not nil) as JSON and
// decodes the JSON reply into out, returning the reply's headers. Failures are *providers.Error, or the context's error as is.
func (p *Provider) do(ctx context.Context, op, method, u string, body, out any) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &providers.Error{Provider: name, Op: op, Kind: providers.ErrInvalid, Message: "cannot encode the request", Err: err}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, &providers.Error{Provider: name, Op: op, Kind: providers.ErrInvalid, Message: "cannot build the request"}
	}
	if p.token != "" {
		req.SetBasicAuth("", p.token)
	}
	req.Header.Set("Accept", "application/json")
	// Ask for a 401 rather than a redirect to the sign-in page.
	req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		// Refused connections, resets and the client's own timeout.
		return nil, &providers.Error{Provider: name, Op: op, Kind: providers.ErrUnavailable, Err: networkError(err)}
	}
	defer func() { _ = resp.Body.Close() }() // read, not written: its Close has nothing to report
	if resp.StatusCode == http.StatusNonAuthoritativeInfo {
		// Azure DevOps answers a bad token with its sign-in page and 203.
		return nil, &providers.Error{Provider: name, Op: op, Status: resp.StatusCode, Kind: providers.ErrUnauthorized, Message: "Azure DevOps answered with its sign-in page"}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, providers.StatusError(name, op, resp, errorMessage(resp))
	}
	media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case media == "application/json" || strings.HasSuffix(media, "+json"):
	case media == "text/html":
		return nil, &providers.Error{Provider: name, Op: op, Status: resp.StatusCode, Kind: providers.ErrUnauthorized, Message: "Azure DevOps answered with a web page, likely its sign-in page, instead of JSON"}
	default:
		return nil, &providers.Error{Provider: name, Op: op, Status: resp.StatusCode, Kind: providers.ErrUnavailable, Message: "unexpected reply of type " + clipType(media)}
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, &providers.Error{Provider: name, Op: op, Status: resp.StatusCode, Kind: providers.ErrUnavailable, Message: "malformed JSON reply", Err: err}
	}
	return resp.Header, nil
}

// get is do for a GET of path with query q.
func (p *Provider) get(ctx context.Context, op, path string, q url.Values, out any) (http.Header, error) {
	return p.do(ctx, op, http.MethodGet, p.endpoint(path, q), nil, out)
}

// errorMessage reads Azure DevOps's explanation from an error reply, if it
// is the documented JSON error body.
func errorMessage(resp *http.Response) string {
	media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if media != "application/json" {
		return ""
	}
	var e apiError
	if json.NewDecoder(io.LimitReader(resp.Body, maxErrorBody)).Decode(&e) != nil {
		return ""
	}
	return e.Message
}

// networkError is a failed round trip without the request's address,
// which names the organisation's internals at length.
func networkError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// clipType bounds a content type quoted in an error.
func clipType(media string) string {
	if media == "" {
		return "(none)"
	}
	if len(media) > 60 {
		return media[:60]
	}
	return media
}

// allByToken reads every page of a listing that pages with the
// x-ms-continuationtoken header and continuationToken parameter.
func allByToken[T any](ctx context.Context, p *Provider, op, path string, q url.Values) ([]T, error) {
	q = cloneValues(q)
	var all []T
	seen := map[string]bool{}
	for {
		var page list[T]
		h, err := p.get(ctx, op, path, q, &page)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Value...)
		token := h.Get(continuationHeader)
		if token == "" {
			return all, nil
		}
		if seen[token] {
			return nil, &providers.Error{Provider: name, Op: op, Kind: providers.ErrUnavailable, Message: "the listing repeats a continuation token"}
		}
		seen[token] = true
		q.Set("continuationToken", token)
	}
}

// pageSize is the number of items asked for per page.
const pageSize = 100

// allBySkip reads every page of a listing that pages with top and skip
// parameters (named topKey and skipKey), until a short page.
func allBySkip[T any](ctx context.Context, p *Provider, op, path string, q url.Values, topKey, skipKey string) ([]T, error) {
	q = cloneValues(q)
	q.Set(topKey, strconv.Itoa(pageSize))
	var all []T
	for skip := 0; ; skip += pageSize {
		q.Set(skipKey, strconv.Itoa(skip))
		var page list[T]
		if _, err := p.get(ctx, op, path, q, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Value...)
		if len(page.Value) < pageSize {
			return all, nil
		}
	}
}

// cloneValues copies q so that paging does not change the caller's.
func cloneValues(q url.Values) url.Values {
	c := url.Values{}
	for k, vs := range q {
		c[k] = append([]string(nil), vs...)
	}
	return c
}
