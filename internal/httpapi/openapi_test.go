package httpapi_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/pb33f/jsonschema/v6"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// TestOpenAPIDocumentIsValid checks the document of a server with every
// route on (recaps, webhooks, metrics, author statistics) with a
// maintained OpenAPI library: the document against the OpenAPI 3.1
// schema, every Schema Object against the JSON Schema 2020-12
// meta-schema, and what a linter checks beyond them (path parameters
// declared, operation ids unique, a schema for every body). Every answer
// the package's tests receive is checked against it too (newServer).
func TestOpenAPIDocumentIsValid(t *testing.T) {
	s := newServer(t, serverOpts{sessionTTL: time.Minute, webhook: "secret", authorStats: true})
	resp, err := http.Get(s.URL + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	problems := documentProblems(raw)
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("%d problems in the document", len(problems))

	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"GET /api/repositories/commits", "GET /api/repositories/heatmap", "GET /api/repositories/contributors",
		"GET /api/repositories/churn", "GET /api/repositories/summary", "GET /api/repositories/full-data",
		"GET /api/repositories/activity", "GET /api/repositories/punchcard", "GET /api/repositories/authors",
		"GET /api/repositories/ownership", "GET /api/repositories/coupling",
		"GET /api/repositories/status", "POST /pat", "POST /clone-repo", "GET /login/github", "GET /external-signup", "GET /repos",
		"GET /actions", "GET /release_notes", "GET /branches", "GET /ws/{session_id}", "GET /ws/{session_id}/{mode}",
		"POST /api/hooks/github", "POST /api/hooks/gitlab",
		"GET /healthz", "GET /readyz", "GET /metrics", "GET /api/openapi.json",
	} {
		method, path, _ := strings.Cut(want, " ")
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("the document lacks %s", want)
		}
	}
}

// TestOpenAPIProblemsAreFound: the checks of documentProblems find each
// kind of mistake the generated document once had.
func TestOpenAPIProblemsAreFound(t *testing.T) {
	valid := `{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/a/{id}": {"get": {"operationId": "a",
		"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
		"responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}}}}}`
	if p := documentProblems([]byte(valid)); len(p) > 0 {
		t.Fatalf("a valid document has problems: %q", p)
	}
	for name, mutate := range map[string]func(string) string{
		"parameters: null": func(d string) string {
			return regexp.MustCompile(`"parameters": \[.*?\],`).ReplaceAllString(d, `"parameters": null,`)
		},
		"an empty schema type":     func(d string) string { return strings.Replace(d, `"type": "object"`, `"type": ""`, 1) },
		"an undeclared path param": func(d string) string { return strings.Replace(d, `"name": "id"`, `"name": "key"`, 1) },
		"a 200 without a body schema": func(d string) string {
			return strings.Replace(d, `"content": {"application/json": {"schema": {"type": "object"}}}`, `"content": {}`, 1)
		},
		"a response without a description": func(d string) string { return strings.Replace(d, `"description": "OK", `, ``, 1) },
	} {
		if p := documentProblems([]byte(mutate(valid))); len(p) == 0 {
			t.Errorf("%s: not found", name)
		}
	}
}

// documentProblems validates an OpenAPI 3.1 document: with
// libopenapi-validator against the OpenAPI 3.1 schema (which checks
// Schema Objects only for being objects), each Schema Object against the
// JSON Schema 2020-12 meta-schema, and the rules a linter adds: every
// path parameter declared (and no other), unique operation ids, a schema
// for every request and response body.
func documentProblems(raw []byte) []string {
	var problems []string
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		return []string{err.Error()}
	}
	v, errs := validator.NewValidator(doc)
	for _, err := range errs {
		problems = append(problems, "validator: "+err.Error())
	}
	if v != nil {
		_, verrs := v.ValidateDocument()
		for _, e := range verrs {
			if len(e.SchemaValidationErrors) == 0 {
				problems = append(problems, e.Error())
			}
			for _, f := range e.SchemaValidationErrors {
				problems = append(problems, f.Error())
			}
		}
	}
	var d struct {
		Paths      map[string]map[string]operation `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return append(problems, err.Error())
	}
	meta, err := jsonschema.NewCompiler().Compile("https://json-schema.org/draft/2020-12/schema")
	if err != nil {
		return append(problems, err.Error())
	}
	checkSchema := func(where string, schema any) {
		if schema == nil {
			problems = append(problems, where+": no schema")
		} else if err := meta.Validate(schema); err != nil {
			problems = append(problems, fmt.Sprintf("%s: not a JSON Schema: %v", where, err))
		}
	}
	for name, schema := range d.Components.Schemas {
		checkSchema("components.schemas."+name, schema)
	}
	ids := map[string]string{}
	template := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range d.Paths {
		var inPath []string
		for _, m := range template.FindAllStringSubmatch(path, -1) {
			inPath = append(inPath, m[1])
		}
		for method, op := range item {
			where := strings.ToUpper(method) + " " + path
			if other, dup := ids[op.OperationID]; op.OperationID == "" || dup {
				problems = append(problems, fmt.Sprintf("%s: operationId %q missing or also %s's", where, op.OperationID, other))
			} else {
				ids[op.OperationID] = where
			}
			var declared []string
			for _, p := range op.Parameters {
				checkSchema(fmt.Sprintf("%s parameter %s", where, p.Name), p.Schema)
				if p.In == "path" {
					declared = append(declared, p.Name)
				}
			}
			slices.Sort(inPath)
			slices.Sort(declared)
			if !slices.Equal(inPath, declared) {
				problems = append(problems, fmt.Sprintf("%s: path parameters %q declared as %q", where, inPath, declared))
			}
			if op.RequestBody != nil {
				if len(op.RequestBody.Content) == 0 {
					problems = append(problems, where+": a request body without content")
				}
				for media, c := range op.RequestBody.Content {
					checkSchema(fmt.Sprintf("%s request body %s", where, media), c.Schema)
				}
			}
			for status, r := range op.Responses {
				if status != "101" && status != "304" && len(r.Content) == 0 {
					problems = append(problems, fmt.Sprintf("%s %s: no content", where, status))
				}
				for media, c := range r.Content {
					checkSchema(fmt.Sprintf("%s %s %s", where, status, media), c.Schema)
				}
				for name, h := range r.Headers {
					checkSchema(fmt.Sprintf("%s %s header %s", where, status, name), h.Schema)
				}
			}
		}
	}
	slices.Sort(problems)
	return problems
}

// operation is what documentProblems reads of an OpenAPI operation.
type operation struct {
	OperationID string `json:"operationId"`
	Parameters  []struct {
		Name   string `json:"name"`
		In     string `json:"in"`
		Schema any    `json:"schema"`
	} `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema any `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]struct {
			Schema any `json:"schema"`
		} `json:"content"`
		Headers map[string]struct {
			Schema any `json:"schema"`
		} `json:"headers"`
	} `json:"responses"`
}

// conformance checks answers against a server's OpenAPI document.
type conformance struct {
	mu sync.Mutex // the validator is not known to be safe for concurrent use
	v  validator.Validator
}

var (
	conformanceMu sync.Mutex
	conformances  = map[string]*conformance{} // by document
)

// conforming wraps h, the handler of a whole server, so that every answer
// it gives (but WebSocket upgrades) is checked against the answers the
// server's own OpenAPI document describes for its route and status: an
// undocumented status or a body of another shape fails t. A success also
// checks the request against the document's parameters and body, so that
// a parameter the document requires but the server does not fails too.
// Requests no route takes (a 404 or 405 of the router) and the
// dashboard's pages, which are not the API, are not checked.
func conforming(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/openapi.json", nil)
	req.RemoteAddr = "192.0.2.250:1" // its own rate-limit bucket
	h.ServeHTTP(rec, req)
	raw := rec.Body.Bytes()
	conformanceMu.Lock()
	c, ok := conformances[string(raw)]
	if !ok {
		doc, err := libopenapi.NewDocument(raw)
		if err != nil {
			conformanceMu.Unlock()
			t.Fatalf("the server's OpenAPI document: %v", err)
		}
		v, errs := validator.NewValidator(doc)
		if len(errs) > 0 {
			conformanceMu.Unlock()
			t.Fatalf("the server's OpenAPI document: %v", errs)
		}
		c = &conformance{v: v}
		conformances[string(raw)] = c
	}
	conformanceMu.Unlock()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqBody, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
		cw := &capture{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(cw, r)
		if cw.hijacked {
			return
		}
		// Headers written straight into the map (the hot paths do) must
		// be under the key Header.Set would use, or Header.Get misses them.
		for k := range w.Header() {
			if http.CanonicalHeaderKey(k) != k {
				t.Errorf("%s %s: header %q is not under its canonical key %q", r.Method, r.URL.Path, k, http.CanonicalHeaderKey(k))
			}
		}
		if r.URL.Path == "/" || strings.HasPrefix(r.URL.Path, "/assets/") {
			return
		}
		if problems := c.check(r, reqBody, cw); len(problems) > 0 {
			t.Errorf("%s %s answered %d, which the OpenAPI document does not describe:\n  %s\nbody: %.400s",
				r.Method, r.URL, cw.status, strings.Join(problems, "\n  "), cw.body.Bytes())
		}
	})
}

// check validates one exchange.
func (c *conformance) check(r *http.Request, reqBody []byte, cw *capture) []string {
	body := cw.body.Bytes()
	if enc := cw.Header().Get("Content-Encoding"); enc != "" {
		var err error
		if body, err = decoded(enc, body); err != nil {
			return []string{err.Error()}
		}
	}
	header := cw.Header().Clone()
	header.Del("Content-Encoding")
	resp := &http.Response{StatusCode: cw.status, Header: header, Body: io.NopCloser(bytes.NewReader(body))}
	req := r.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	c.mu.Lock()
	defer c.mu.Unlock()
	_, errs := c.v.ValidateHttpResponse(req, resp)
	if cw.status < 300 && len(errs) == 0 {
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
		_, errs = c.v.ValidateHttpRequest(req)
	}
	var problems []string
	for _, e := range errs {
		if e.IsPathMissingError() || e.IsOperationMissingError() {
			if cw.status == http.StatusNotFound || cw.status == http.StatusMethodNotAllowed || r.Method == http.MethodOptions || r.Method == http.MethodHead {
				continue // the router's answer to a request no route takes
			}
		}
		problems = append(problems, e.Error())
		for _, f := range e.SchemaValidationErrors {
			problems = append(problems, "  "+f.Error())
		}
	}
	return problems
}

// decoded undoes a Content-Encoding.
func decoded(encoding string, body []byte) ([]byte, error) {
	var r io.Reader
	switch encoding {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("content encoding %q", encoding)
	}
	return io.ReadAll(r)
}

// capture is a ResponseWriter that keeps a copy of the status and body,
// and lets WebSockets take the connection over.
type capture struct {
	http.ResponseWriter
	status      int
	body        bytes.Buffer
	wroteHeader bool
	hijacked    bool
}

func (c *capture) WriteHeader(status int) {
	if !c.wroteHeader {
		c.status, c.wroteHeader = status, true
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *capture) Write(p []byte) (int, error) {
	c.wroteHeader = true
	c.body.Write(p)
	return c.ResponseWriter.Write(p)
}

func (c *capture) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (c *capture) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c.hijacked = true
	return http.NewResponseController(c.ResponseWriter).Hijack()
}

func (c *capture) Unwrap() http.ResponseWriter { return c.ResponseWriter }
