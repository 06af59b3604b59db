// Package web is gitpulse's dashboard: a single page, embedded in the
// binary, that calls the same-origin analytics API (/api/repositories/...)
// and the recap API (/pat, /login/github as GET /api/config offers it,
// /actions, /ws/...). It is plain HTML, CSS and
// JavaScript modules, with no build step and no third-party code; charts
// are drawn as SVG by the page itself.
//
// Handler serves the page at / and its files at /assets/<file>; the API
// mounts it beside its routes through httpapi.Options.Dashboard.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// ContentSecurityPolicy is the policy every dashboard response carries: the
// page loads its scripts, styles and data from its own origin only (no
// inline code anywhere), may show data: images, and may not be framed.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"

// contentTypes are the types of the files the dashboard ships, fixed here
// rather than read from the system's MIME tables, which vary.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".json": "application/json",
}

// file is one embedded file, ready to serve.
type file struct {
	body        []byte
	contentType string
	etag        string
}

// Handler returns the dashboard's handler: GET (or HEAD) / answers
// index.html and /assets/<file> the embedded file of that name. Any other
// request (another path: there are no directory listings; another method)
// goes to fallback, which answers it as the rest of the service does
// (httpapi.NotFound), so the service's errors have one shape and one
// mapping. Every response sets Content-Security-Policy to
// ContentSecurityPolicy, replacing whatever an outer middleware set, and
// the files Cache-Control: no-cache with a weak ETag (weak, so that it
// holds for the compressed forms the API's middleware sends too), so
// browsers revalidate and never run stale code after an upgrade.
func Handler(fallback http.Handler) http.Handler {
	files := load()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		f, ok := lookup(files, r.URL.Path)
		if !ok || r.Method != http.MethodGet && r.Method != http.MethodHead {
			fallback.ServeHTTP(w, r)
			return
		}
		h.Set("Content-Type", f.contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", f.etag)
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
	})
}

// lookup finds the file for a request path: "/" is index.html and
// "/assets/<name>" a file of static/assets, where name is one plain path
// element (no separators, no dot files, so no way out of the directory).
func lookup(files map[string]file, p string) (file, bool) {
	if p == "/" {
		f, ok := files["index.html"]
		return f, ok
	}
	name, ok := strings.CutPrefix(p, "/assets/")
	if !ok || name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") || !fs.ValidPath(name) {
		return file{}, false
	}
	f, ok := files["assets/"+name]
	return f, ok
}

// load reads the embedded files once, with their types and ETags.
func load() map[string]file {
	files := map[string]file{}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			ct = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		files[strings.TrimPrefix(p, "static/")] = file{body: body, contentType: ct, etag: `W/"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		panic("web: reading the embedded dashboard: " + err.Error()) // cannot happen: the files are compiled in
	}
	return files
}
