package httpapi

import (
	"strings"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/query"
	"github.com/gitpulse/gitpulse/internal/version"
)

// paramDocs describes each query parameter for the OpenAPI document.
var paramDocs = map[string]struct{ typ, doc string }{
	query.ParamRepoURL:     {"string", "Repository URL, e.g. https://github.com/owner/name (required)"},
	query.ParamPage:        {"integer", "Page number, 1-1000 (default 1)"},
	query.ParamLimit:       {"integer", "Items per page, 1-100 (default 100); churn: keep this many files with the most changes (default all)"},
	query.ParamFromDate:    {"string", "Start of the author-date range, ISO 8601 date or date-time"},
	query.ParamToDate:      {"string", "End of the author-date range, ISO 8601; a date includes that whole day"},
	query.ParamAuthor:      {"string", "One author: case-insensitive part of the name or e-mail (1-100 characters)"},
	query.ParamAuthors:     {"string", "Comma-separated authors (at most 10), a union"},
	query.ParamMinChanges:  {"integer", "Least changed lines per file, 1-1000"},
	query.ParamExtensions:  {"string", "Comma-separated file extensions (at most 20), with or without a dot"},
	query.ParamPaths:       {"string", "Comma-separated path prefixes (at most 20)"},
	query.ParamTimePeriod:  {"string", "day, week or month (default: chosen from the range's length)"},
	query.ParamGroupBy:     {"string", "churn: directory adds totals per directory (churnData.directories)"},
	query.ParamDepth:       {"integer", "churn with groupBy=directory: path components per directory, 1-10 (default 1)"},
	query.ParamExcludeBots: {"boolean", "true leaves out bot authors: a name or e-mail containing [bot], a name ending in -bot or ' bot', or a users.noreply.github.com address whose local part ends in bot (default false)"},
	query.ParamExclude:     {"string", "Comma-separated patterns (at most 20) of files left out of file and line counts (churn, activity and author lines); commits are still counted. As .gitignore: 'dir/' is a directory at any depth, a pattern without '/' is a file or directory name at any depth ('*.min.js', 'go.sum'), one with '/' is anchored at the top ('docs/*.md', '/build'); * and ? do not cross '/'. 'default' names the vendored, generated and lock files: " + strings.Join(analytics.DefaultExclude, " ") + ". Nothing is left out unless asked"},
	"start_date":           {"string", "Start of the period, ISO 8601"},
	"end_date":             {"string", "End of the period, ISO 8601; a date includes that whole day"},
}

// openAPI describes the routes as an OpenAPI 3.1 document, generated from
// the same table the router is built from, so no route can be missing.
func openAPI(routes []route) map[string]any {
	paths := map[string]any{}
	errorRef := map[string]any{"$ref": "#/components/schemas/Error"}
	for _, rt := range routes {
		var params []map[string]any
		if len(rt.params) > 0 || strings.HasPrefix(rt.path, "/api/repositories/") {
			params = append(params, paramDoc(query.ParamRepoURL, true))
		}
		for _, p := range rt.params {
			params = append(params, paramDoc(p, false))
		}
		paths[rt.path] = map[string]any{
			strings.ToLower(rt.method): map[string]any{
				"summary":    rt.doc,
				"parameters": params,
				"responses": map[string]any{
					"200": map[string]any{"description": "OK"},
					"400": map[string]any{"description": "Validation failed", "content": jsonContent(errorRef)},
					"404": map[string]any{"description": "Repository not found", "content": jsonContent(errorRef)},
					"429": map[string]any{"description": "Rate limited", "content": jsonContent(errorRef)},
					"502": map[string]any{"description": "The repository could not be fetched", "content": jsonContent(errorRef)},
					"504": map[string]any{"description": "Still preparing the repository; retry after Retry-After seconds", "content": jsonContent(errorRef)},
				},
			},
		}
	}
	paths[openAPIPath] = map[string]any{"get": map[string]any{
		"summary":   "This document",
		"responses": map[string]any{"200": map[string]any{"description": "OK"}},
	}}
	paths[metricsPath] = map[string]any{"get": map[string]any{
		"summary":   "Prometheus metrics (when the server has a registry)",
		"responses": map[string]any{"200": map[string]any{"description": "OK", "content": map[string]any{"text/plain": map[string]any{}}}},
	}}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "gitpulse", "version": version.Get().Version},
		"paths":   paths,
		"components": map[string]any{"schemas": map[string]any{"Error": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"error": map[string]any{"type": "string"}, "detail": map[string]any{"type": "string"},
				"status": map[string]any{"type": "string"}, "code": map[string]any{"type": "integer"},
				"details": map[string]any{"type": "array", "items": map[string]any{"type": "object",
					"properties": map[string]any{"field": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}},
			},
		}}},
	}
}

func paramDoc(name string, required bool) map[string]any {
	d := paramDocs[name]
	return map[string]any{"name": name, "in": "query", "required": required, "description": d.doc, "schema": map[string]any{"type": d.typ}}
}

func jsonContent(schema map[string]any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}
