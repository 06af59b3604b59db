package httpapi

import (
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/providers/connect"
	"github.com/gitpulse/gitpulse/internal/query"
	"github.com/gitpulse/gitpulse/internal/recap"
	"github.com/gitpulse/gitpulse/internal/repourl"
	"github.com/gitpulse/gitpulse/internal/version"
)

// paramDoc describes a parameter for the OpenAPI document.
type paramDoc struct {
	in   string // query (""), path or header
	typ  string // its JSON Schema type
	doc  string
	enum []string
	// required: the request is refused (400) without it.
	required bool
}

// paramDocs describes every parameter a route reads (route.params) or
// its path names; openAPI refuses a route with one missing.
var paramDocs = map[string]paramDoc{
	query.ParamRepoURL:     {typ: "string", doc: "Repository URL, e.g. https://github.com/owner/name", required: true},
	query.ParamPage:        {typ: "integer", doc: "Page number, 1-1000 (default 1)"},
	query.ParamLimit:       {typ: "integer", doc: "Items per page, 1-100 (default 100); churn: keep this many files with the most changes (default all); coupling: keep this many pairs (default 50)"},
	query.ParamFromDate:    {typ: "string", doc: "Start of the author-date range, ISO 8601 date or date-time"},
	query.ParamToDate:      {typ: "string", doc: "End of the author-date range, ISO 8601; a date includes that whole day"},
	query.ParamAuthor:      {typ: "string", doc: "One author: case-insensitive part of the name or e-mail (1-100 characters)"},
	query.ParamAuthors:     {typ: "string", doc: "Comma-separated authors (at most 10), a union; /actions: in addition to the signed-in user"},
	query.ParamMinChanges:  {typ: "integer", doc: "Least changed lines per file, 1-1000"},
	query.ParamExtensions:  {typ: "string", doc: "Comma-separated file extensions (at most 20), with or without a dot"},
	query.ParamPaths:       {typ: "string", doc: "Comma-separated path prefixes (at most 20)"},
	query.ParamTimePeriod:  {typ: "string", doc: "Bucket length (default: chosen from the range's length)", enum: []string{analytics.PeriodDay, analytics.PeriodWeek, analytics.PeriodMonth}},
	query.ParamGroupBy:     {typ: "string", doc: "churn: directory adds totals per directory (churnData.directories)", enum: []string{"directory"}},
	query.ParamDepth:       {typ: "integer", doc: "churn with groupBy=directory, ownership: path components per directory, 1-10 (default 1)"},
	query.ParamMinShared:   {typ: "integer", doc: "coupling: least commits a listed pair shares, 1-1000 (default 3)"},
	query.ParamMaxFiles:    {typ: "integer", doc: "coupling: leave out bulk commits that changed more files than this (all their files, listed or not), 2-10000 (default 50)"},
	query.ParamExcludeBots: {typ: "boolean", doc: "true leaves out bot authors: a name or e-mail containing [bot], a name ending in -bot or ' bot', or a users.noreply.github.com address whose local part ends in bot (default false)"},
	query.ParamExclude:     {typ: "string", doc: "Comma-separated patterns (at most 20) of files left out of file and line counts (churn, activity and author lines, ownership, coupling); commits are still counted. As .gitignore: 'dir/' is a directory at any depth, a pattern without '/' is a file or directory name at any depth ('*.min.js', 'go.sum'), one with '/' is anchored at the top ('docs/*.md', '/build'); a leading '**/' before one name matches it at any depth, a trailing '/**' everything under a directory; * and ? do not cross '/'. 'default' names the vendored, generated and lock files: " + strings.Join(analytics.DefaultExclude, " ") + ". Nothing is left out unless asked"},
	"start_date":           {typ: "string", doc: "Start of the period, ISO 8601 (default: 7 days before end_date)"},
	"end_date":             {typ: "string", doc: "End of the period, ISO 8601; a date includes that whole day (default: now)"},
	"repo_filter":          {typ: "string", doc: "Comma-separated repositories (full_name from GET /repos) to read; default all"},
	"repo":                 {typ: "string", doc: "A repository's full_name from GET /repos; required except in a plain-git session"},
	"num_old_releases":     {typ: "integer", doc: "How many releases before the latest to include, with their notes (default 1)"},
	"code":                 {typ: "string", doc: "The authorization code GitHub passed to the callback", required: true},
	"state":                {typ: "string", doc: "The state GitHub passed back: it must match the sign-in this browser started at /login/github"},
	"return":               {typ: "string", doc: "A path on this server to come back to, the session in the URL fragment (default: answer the session as JSON)"},
	"tag":                  {typ: "string", doc: "Write the notes of this release (since the release before it); default: what came after the latest release"},
	"session_id":           {in: "path", typ: "string", doc: "The session id of POST /pat (or a token in Authorization or ?token=)"},
	"mode":                 {in: "path", typ: "string", doc: "What to write", enum: []string{string(recap.ModeRecap), string(recap.ModeRelease), string(recap.ModePullRequest)}},
	"X-Hub-Signature-256":  {in: "header", typ: "string", doc: "sha256=<hex HMAC-SHA256 of the raw body with WEBHOOK_SECRET>", required: true},
	"X-GitHub-Event":       {in: "header", typ: "string", doc: "Only push events refresh; others are answered 202 and ignored"},
	"X-Gitlab-Token":       {in: "header", typ: "string", doc: "WEBHOOK_SECRET itself", required: true},
	"X-Gitlab-Event":       {in: "header", typ: "string", doc: "Only Push Hook events refresh; others are answered 202 and ignored"},
	"If-None-Match":        {in: "header", typ: "string", doc: "The ETag of an answer held: 304 if it is still the answer"},
}

// failureDocs says when each error status is answered.
var failureDocs = map[int]string{
	http.StatusBadRequest:          "The request is invalid; details names each invalid field",
	http.StatusUnauthorized:        "No valid session or credentials",
	http.StatusForbidden:           "The credentials lack access",
	http.StatusNotFound:            "Not found (or, for the authors and ownership reports, not served here)",
	http.StatusTooManyRequests:     "Rate limited; retry after Retry-After seconds",
	http.StatusInternalServerError: "Internal error; the body names the request ID the logs do",
	http.StatusNotImplemented:      "Not configured on this server",
	http.StatusBadGateway:          "A provider or git host could not be reached or failed",
	http.StatusServiceUnavailable:  "This server is shutting down or a part of it is out of order; retry after Retry-After seconds",
	http.StatusGatewayTimeout:      "Still working (preparing the repository or asking a provider); retry after Retry-After seconds",
}

// Enumerations of string fields, from the constants their values come
// from: by named type, or by struct type and JSON field name.
var (
	typeEnums = map[reflect.Type][]string{
		reflect.TypeFor[analytics.RiskLevel](): {string(analytics.RiskLow), string(analytics.RiskMedium), string(analytics.RiskHigh), string(analytics.RiskCritical)},
	}
	periods    = []string{analytics.PeriodDay, analytics.PeriodWeek, analytics.PeriodMonth}
	platforms  = []string{repourl.PlatformGitHub, repourl.PlatformGitLab, repourl.PlatformBitbucket, repourl.PlatformAzure, repourl.PlatformOther}
	fieldEnums = map[fieldKey][]string{
		{reflect.TypeFor[analytics.HeatmapData](), "timePeriod"}:          periods,
		{reflect.TypeFor[analytics.ActivityData](), "timePeriod"}:         periods,
		{reflect.TypeFor[analytics.RepoStats](), "status"}:                {analytics.StatusActive, analytics.StatusInactive, analytics.StatusArchived, analytics.StatusEmpty},
		{reflect.TypeFor[analytics.SummaryMeta](), "dataSource"}:          {analytics.SourceClone, analytics.SourceCache},
		{reflect.TypeFor[analytics.SummaryMeta](), "createdDateAccuracy"}: {analytics.AccuracyExact, analytics.AccuracyApproximate},
		{reflect.TypeFor[analytics.Created](), "source"}:                  {analytics.CreatedFromGitLog},
		{reflect.TypeFor[analytics.Repository](), "platform"}:             platforms,
		{reflect.TypeFor[activity.Item](), "kind"}:                        {activity.KindCommit, activity.KindPullRequest, activity.KindIssue, activity.KindRelease},
		{reflect.TypeFor[recap.Topic](), "kind"}:                          recap.TopicKinds,
		{reflect.TypeFor[signInResponse](), "provider"}:                   {connect.GitHub, connect.GitLab, connect.Azure, connect.Git},
		{reflect.TypeFor[hookReply](), "status"}:                          {hookStatusRefreshing, hookStatusIgnored},
	}
)

// fieldKey names a struct type's JSON field.
type fieldKey struct {
	t     reflect.Type
	field string
}

// Security schemes of the session routes: a session is named by a Bearer
// JWT (POST /pat's token), a session_id or a token query parameter, as
// auth.SessionFromRequest reads them.
var (
	securitySchemes = map[string]any{
		"bearer":       map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "The token POST /pat answers with"},
		"sessionId":    map[string]any{"type": "apiKey", "in": "query", "name": "session_id", "description": "The session_id POST /pat answers with"},
		"sessionToken": map[string]any{"type": "apiKey", "in": "query", "name": "token", "description": "The token POST /pat answers with, where a header cannot be set (a browser's WebSocket)"},
	}
	sessionSecurity = []map[string][]string{{"bearer": {}}, {"sessionId": {}}, {"sessionToken": {}}}
)

// pathParam finds the {name} wildcards of a route pattern.
var pathParam = regexp.MustCompile(`\{([^}.]+)(\.\.\.)?\}`)

// openAPI describes the routes as an OpenAPI 3.1 document, generated from
// the same table the router is built from, so no route can be missing:
// its parameters, request body, success body (the JSON Schema of the Go
// type the handler writes), failures and security.
func openAPI(routes []route) map[string]any {
	s := &schemaSet{components: map[string]any{}, names: map[reflect.Type]string{}}
	errorSchema := s.of(reflect.TypeFor[ErrorBody](), false)
	paths := map[string]map[string]any{}
	for _, rt := range routes {
		op := map[string]any{
			"operationId": operationID(rt),
			"summary":     rt.doc,
			"tags":        []string{rt.tag()},
			"responses":   responses(s, rt, errorSchema),
		}
		if params := parameters(rt); len(params) > 0 {
			op["parameters"] = params
		}
		if rt.body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": content("application/json", s.of(rt.body, true))}
		}
		if rt.socket != nil {
			var frames []any
			for _, f := range rt.socket.receive {
				frames = append(frames, s.of(f, false))
			}
			op["x-websocket"] = map[string]any{
				"description": "After the upgrade the client sends one text message (send); the server answers with text frames (receive), each one JSON object",
				"send":        s.of(rt.socket.send, true),
				"receive":     map[string]any{"oneOf": frames},
			}
		}
		op["security"] = []map[string][]string{} // public
		if rt.session {
			sec := sessionSecurity
			if strings.Contains(rt.path, "{session_id}") {
				sec = append(slices.Clone(sec), map[string][]string{}) // the path names the session
			}
			op["security"] = sec
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "gitpulse",
			"version":     version.Get().Version,
			"description": "Analytics of a repository's git history (spec 002), recaps of a developer's activity (spec 000), push webhooks and the operational endpoints.",
			"license":     map[string]any{"name": "Apache-2.0", "identifier": "Apache-2.0"},
		},
		"tags": []map[string]any{
			{"name": "analytics", "description": "Answers about one repository's history"},
			{"name": "recap", "description": "Sessions with a provider, its activity, and recaps written from it"},
			{"name": "webhooks", "description": "Push webhooks that refresh a mirrored repository"},
			{"name": "operations", "description": "Health, readiness, metrics and this document"},
		},
		"servers":    []map[string]any{{"url": "/", "description": "This server"}},
		"paths":      paths,
		"components": map[string]any{"schemas": s.components, "securitySchemes": securitySchemes},
	}
}

// operationID names rt's operation: its method and path, in camel case
// (getApiRepositoriesCommits, getWsSessionIdMode).
func operationID(rt route) string {
	id := strings.ToLower(rt.method)
	for _, word := range strings.FieldsFunc(rt.path, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		id += strings.ToUpper(word[:1]) + word[1:]
	}
	return id
}

// parameters are rt's path, query and header parameters.
func parameters(rt route) []map[string]any {
	var names []string
	for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
		names = append(names, m[1])
	}
	names = append(names, rt.params...)
	if rt.revalidated {
		names = append(names, "If-None-Match")
	}
	var out []map[string]any
	for _, name := range names {
		d, ok := paramDocs[name]
		if !ok {
			panic(fmt.Sprintf("httpapi: parameter %q of %s %s has no paramDocs entry", name, rt.method, rt.path))
		}
		in := d.in
		if in == "" {
			in = "query"
		}
		schema := map[string]any{"type": d.typ}
		if d.enum != nil {
			schema["enum"] = d.enum
		}
		out = append(out, map[string]any{"name": name, "in": in, "required": d.required || in == "path", "description": d.doc, "schema": schema})
	}
	return out
}

// responses are rt's success and failure answers. Every route behind the
// middleware may also answer 429 (rate limits), 500 and 503 (shutting
// down, a part of the server out of order); a session route 401.
func responses(s *schemaSet, rt route, errorSchema map[string]any) map[string]any {
	ok := rt.success()
	success := map[string]any{"description": http.StatusText(ok)}
	if rt.reply != nil {
		media := "application/json"
		if rt.reply.Kind() == reflect.String {
			media = "text/plain"
		}
		success["content"] = content(media, s.of(rt.reply, false))
	}
	out := map[string]any{}
	if rt.redirect == 0 || rt.reply != nil || rt.ok != 0 {
		out[strconv.Itoa(ok)] = success
	}
	if rt.redirect != 0 {
		out[strconv.Itoa(rt.redirect)] = map[string]any{"description": "Redirect to Location",
			"headers": map[string]any{"Location": map[string]any{"description": "Where to go on", "required": true, "schema": map[string]any{"type": "string"}}},
			"content": content("text/html", map[string]any{"type": "string"})}
	}
	if rt.revalidated {
		success["headers"] = map[string]any{"ETag": map[string]any{"description": "A weak validator of the answer, for If-None-Match", "schema": map[string]any{"type": "string"}}}
		out[strconv.Itoa(http.StatusNotModified)] = map[string]any{"description": "The answer named by If-None-Match is still the answer"}
	}
	fails := slices.Clone(rt.fails)
	if !rt.ops {
		fails = append(fails, http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable)
	}
	if rt.session {
		fails = append(fails, http.StatusUnauthorized)
	}
	for _, status := range fails {
		r := map[string]any{"description": failureDocs[status], "content": content("application/json", errorSchema)}
		if slices.Contains(rt.textFails, status) {
			r["content"] = content("text/plain", map[string]any{"type": "string"})
		}
		switch status {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			r["headers"] = map[string]any{"Retry-After": map[string]any{"description": "Seconds to wait before retrying", "schema": map[string]any{"type": "integer"}}}
		}
		out[strconv.Itoa(status)] = r
	}
	for _, status := range rt.textFails {
		if _, ok := out[strconv.Itoa(status)]; !ok {
			out[strconv.Itoa(status)] = map[string]any{"description": http.StatusText(status), "content": content("text/plain", map[string]any{"type": "string"})}
		}
	}
	return out
}

func content(media string, schema map[string]any) map[string]any {
	return map[string]any{media: map[string]any{"schema": schema}}
}

// schemaSet turns Go types into the JSON Schemas (draft 2020-12, the
// dialect of OpenAPI 3.1) of what encoding/json writes for them. A named
// struct becomes a component, referenced by name. Fields without
// omitempty are required, a pointer without it may be null; a slice or
// map is never null in an answer (a nil one would be written as null, and
// the handlers answer empty ones instead).
type schemaSet struct {
	components map[string]any
	names      map[reflect.Type]string
}

var timeType = reflect.TypeFor[time.Time]()

// of is the schema of t. open is for request bodies, which may leave any
// field out and carry more than the server reads; answers are closed and
// have every field without omitempty, so that one which does not have
// t's shape is caught.
func (s *schemaSet) of(t reflect.Type, open bool) map[string]any {
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	if enum, ok := typeEnums[t]; ok {
		return map[string]any{"type": "string", "enum": enum}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return s.of(t.Elem(), open)
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": s.of(t.Elem(), open)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": s.of(t.Elem(), open)}
	case reflect.Interface:
		return map[string]any{} // any JSON value
	case reflect.Struct:
		return s.object(t, open)
	}
	panic(fmt.Sprintf("httpapi: no JSON Schema for %s", t))
}

// object is the schema of struct type t: a reference to its component,
// or, for a struct type without a name, the schema itself.
func (s *schemaSet) object(t reflect.Type, open bool) map[string]any {
	if name, ok := s.names[t]; ok {
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	name := ""
	if t.Name() != "" {
		name = s.name(t)
		s.names[t] = name // before its fields, which may refer to it
	}
	props, required := map[string]any{}, []string{}
	s.fields(t, open, props, &required)
	schema := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		schema["required"] = required
	}
	if !open {
		schema["additionalProperties"] = false
	}
	if name == "" {
		return schema
	}
	s.components[name] = schema
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// name is t's component name: its Go name, exported, with its package's
// name before it where another type took the name.
func (s *schemaSet) name(t reflect.Type) string {
	name := strings.ToUpper(t.Name()[:1]) + t.Name()[1:]
	if slices.Contains(slices.Collect(maps.Values(s.names)), name) {
		pkg := t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:]
		name = strings.ToUpper(pkg[:1]) + pkg[1:] + name
	}
	return name
}

// fields adds the JSON fields of struct t (with those of its embedded
// structs) to props and required.
func (s *schemaSet) fields(t reflect.Type, open bool, props map[string]any, required *[]string) {
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			s.fields(f.Type, open, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		schema := s.of(f.Type, open)
		if enum, ok := fieldEnums[fieldKey{t, name}]; ok {
			schema = map[string]any{"type": "string", "enum": enum}
		}
		omitted := slices.Contains(strings.Split(opts, ","), "omitempty") || slices.Contains(strings.Split(opts, ","), "omitzero")
		if f.Type.Kind() == reflect.Pointer && !omitted {
			schema = map[string]any{"anyOf": []any{schema, map[string]any{"type": "null"}}}
		}
		props[name] = schema
		if !omitted && !open {
			*required = append(*required, name)
		}
	}
}
