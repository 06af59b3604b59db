// Package query turns the raw text of an analytics request (HTTP query
// parameters or command-line flags, which share names) into a validated
// Request, reporting every invalid field at once rather than the first,
// and gives each Request a canonical Key for caching its answer.
package query

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/fault"
)

// Parameter names, as in spec 002.
const (
	ParamRepoURL    = "repoUrl"
	ParamPage       = "page"
	ParamLimit      = "limit"
	ParamFromDate   = "fromDate"
	ParamToDate     = "toDate"
	ParamAuthor     = "author"
	ParamAuthors    = "authors"
	ParamMinChanges = "minChanges"
	ParamExtensions = "extensions"
	ParamPaths      = "paths"
	ParamTimePeriod = "timePeriod"
	ParamGroupBy    = "groupBy"
	ParamDepth      = "depth"
	// ParamExcludeBots drops bot authors (analytics.IsBot): true or false.
	ParamExcludeBots = "excludeBots"
	// ParamExclude drops files matching comma-separated patterns from
	// file and line counts; "default" names analytics.DefaultExclude.
	ParamExclude = "exclude"
	// ParamMinShared and ParamMaxFiles shape coupling: the least shared
	// commits of a pair, and the most files of a counted commit.
	ParamMinShared = "minShared"
	ParamMaxFiles  = "maxFiles"
)

// GroupDirectory is the one groupBy value: churn totals per directory.
const GroupDirectory = "directory"

// Limits on parameters (DESIGN.md, "Validation").
const (
	DefaultPage     = 1
	MaxPage         = 1000
	DefaultLimit    = 100
	MaxLimit        = 100
	MaxAuthorLen    = 100
	MaxAuthors      = 10
	MaxMinChanges   = 1000
	MaxExtensions   = 20
	MaxPaths        = 20
	MaxExclude      = 20
	MaxMinShared    = 1000
	MaxMaxFiles     = 10000
	MaxRepoURLBytes = 2048
	DefaultDepth    = 1
	MaxDepth        = 10
)

// MinDate is the earliest fromDate or toDate accepted: git records no
// commit dates before the Unix epoch, and earlier dates would stretch a
// heatmap past analytics.MaxHeatmapBuckets.
var MinDate = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// FieldError is one invalid parameter.
type FieldError = fault.FieldError

// Errors lists every invalid parameter of a request.
type Errors []FieldError

// Error implements error: "fromDate: ...; limit: ...".
func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, f := range e {
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, "; ")
}

// As presents e as the Invalid *fault.Error listing its fields.
func (e Errors) As(target any) bool {
	t, ok := target.(**fault.Error)
	if ok {
		*t = fault.Fields(e...)
	}
	return ok
}

// Request is a validated analytics request.
type Request struct {
	RepoURL    string
	Page       int
	Limit      int
	Filter     analytics.Filter
	TimePeriod string // "", "day", "week" or "month"
	// TopFiles is the limit when one was given, 0 otherwise: churn keeps
	// that many files, and all of them without one (spec 002).
	TopFiles int
	// GroupBy is "" or GroupDirectory; Depth is the directory depth it
	// groups by (DefaultDepth unless given).
	GroupBy string
	Depth   int
	// MinShared and MaxFiles are coupling's options (their defaults
	// unless given).
	MinShared int
	MaxFiles  int
}

// Parse validates params as of now. Every parameter is single-valued
// (lists are comma-separated), so one given twice is an error, as is one
// given empty (leave it out for its default); unknown parameters are
// ignored. A non-nil error is always Errors.
func Parse(params url.Values, now time.Time) (Request, error) {
	p := parser{params: params, now: now.UTC()}
	req := Request{
		RepoURL: p.repoURL(),
		Page:    p.intRange(ParamPage, DefaultPage, 1, MaxPage),
		Limit:   p.intRange(ParamLimit, DefaultLimit, 1, MaxLimit),
	}
	req.Filter.From, req.Filter.To = p.dates()
	req.Filter.Authors = p.authors()
	req.Filter.MinChanges = p.intRange(ParamMinChanges, 0, 1, MaxMinChanges)
	req.Filter.Extensions = p.list(ParamExtensions, MaxExtensions, normaliseExtension)
	req.Filter.Paths = p.list(ParamPaths, MaxPaths, strings.TrimSpace)
	req.Filter.ExcludeBots = p.boolean(ParamExcludeBots)
	req.Filter.Exclude = p.exclude()
	req.TimePeriod = p.timePeriod()
	if _, given := params[ParamLimit]; given {
		req.TopFiles = req.Limit
	}
	req.GroupBy = p.groupBy()
	req.Depth = p.intRange(ParamDepth, DefaultDepth, 1, MaxDepth)
	req.MinShared = p.intRange(ParamMinShared, analytics.DefaultMinShared, 1, MaxMinShared)
	req.MaxFiles = p.intRange(ParamMaxFiles, analytics.DefaultMaxFiles, 2, MaxMaxFiles)
	if len(p.errs) > 0 {
		return Request{}, p.errs
	}
	return req, nil
}

type parser struct {
	params url.Values
	now    time.Time
	errs   Errors
}

// get returns the value of the parameter name, "" when it is absent or
// invalid: repeated or empty. Each parameter is read once, so each
// problem is reported once.
func (p *parser) get(name string) string {
	vs := p.params[name]
	switch {
	case len(vs) == 0:
		return ""
	case len(vs) > 1:
		p.fail(name, "must be given once, got %d values", len(vs))
		return ""
	case strings.TrimSpace(vs[0]) == "":
		p.fail(name, "must not be empty")
		return ""
	}
	return vs[0]
}

func (p *parser) fail(field, format string, args ...any) {
	p.errs = append(p.errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) repoURL() string {
	v := strings.TrimSpace(p.get(ParamRepoURL))
	switch {
	case v == "" && len(p.params[ParamRepoURL]) == 0:
		p.fail(ParamRepoURL, "is required")
	case len(v) > MaxRepoURLBytes:
		p.fail(ParamRepoURL, "must be at most %d bytes", MaxRepoURLBytes)
	}
	return v
}

func (p *parser) intRange(name string, def, lo, hi int) int {
	raw := strings.TrimSpace(p.get(name))
	if raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		p.fail(name, "must be a whole number from %d to %d, got %q", lo, hi, clip(raw))
		return def
	}
	if n < lo || n > hi {
		p.fail(name, "must be from %d to %d, got %d", lo, hi, n)
		return def
	}
	return n
}

// dates parses fromDate and toDate. A date-only toDate covers that whole
// day; a date-only fromDate starts at its midnight (UTC).
func (p *parser) dates() (from, to time.Time) {
	from, fromOK := p.date(ParamFromDate, false)
	to, toOK := p.date(ParamToDate, true)
	if fromOK && toOK && !from.IsZero() && !to.IsZero() && to.Before(from) {
		p.fail(ParamToDate, "must not be before fromDate")
	}
	return from, to
}

func (p *parser) date(name string, endOfDay bool) (time.Time, bool) {
	raw := strings.TrimSpace(p.get(name))
	if raw == "" {
		return time.Time{}, true
	}
	t, dateOnly, err := ParseDate(raw)
	if err != nil {
		p.fail(name, "must be an ISO 8601 date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ), got %q", clip(raw))
		return time.Time{}, false
	}
	if t.After(p.now) {
		p.fail(name, "must not be in the future")
		return time.Time{}, false
	}
	if t.Before(MinDate) {
		p.fail(name, "must not be before %s", MinDate.Format(time.DateOnly))
		return time.Time{}, false
	}
	if dateOnly && endOfDay {
		t = t.Add(24*time.Hour - time.Nanosecond)
	}
	return t, true
}

// ParseDate parses a strict ISO 8601 date or date-time. A date-time
// without a zone is taken as UTC. dateOnly reports the YYYY-MM-DD form.
func ParseDate(s string) (t time.Time, dateOnly bool, err error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), false, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("not an ISO 8601 date: %q", clip(s))
}

// authors merges author (one name) and authors (a comma-separated list).
func (p *parser) authors() []string {
	var out []string
	if a := strings.TrimSpace(p.get(ParamAuthor)); a != "" {
		if utf8.RuneCountInString(a) > MaxAuthorLen {
			p.fail(ParamAuthor, "must be at most %d characters", MaxAuthorLen)
		} else {
			out = append(out, a)
		}
	}
	list := p.list(ParamAuthors, MaxAuthors, strings.TrimSpace)
	for _, a := range list {
		if utf8.RuneCountInString(a) > MaxAuthorLen {
			p.fail(ParamAuthors, "each author must be at most %d characters", MaxAuthorLen)
			return out
		}
	}
	return append(out, list...)
}

// list splits a comma-separated parameter, normalising each item; empty
// items and too many items are errors.
func (p *parser) list(name string, max int, norm func(string) string) []string {
	raw := p.get(name)
	if raw == "" {
		return nil
	}
	items := strings.Split(raw, ",")
	if len(items) > max {
		p.fail(name, "must list at most %d items, got %d", max, len(items))
		return nil
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		v := norm(it)
		if v == "" {
			p.fail(name, "must not contain empty items")
			return nil
		}
		out = append(out, v)
	}
	return out
}

// normaliseExtension turns ".TS", "ts" and " .ts " into "ts".
func normaliseExtension(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "."))
}

// boolean reads a true/false parameter; absent is false.
func (p *parser) boolean(name string) bool {
	switch v := strings.TrimSpace(p.get(name)); v {
	case "", "false":
		return false
	case "true":
		return true
	default:
		p.fail(name, "must be true or false, got %q", clip(v))
		return false
	}
}

// exclude reads the exclude patterns, each checked by
// analytics.ValidExclude.
func (p *parser) exclude() []string {
	list := p.list(ParamExclude, MaxExclude, strings.TrimSpace)
	for _, it := range list {
		if err := analytics.ValidExclude(it); err != nil {
			p.fail(ParamExclude, "each pattern %s", err)
			return nil
		}
	}
	return list
}

func (p *parser) timePeriod() string {
	switch v := strings.TrimSpace(p.get(ParamTimePeriod)); v {
	case "", "day", "week", "month":
		return v
	default:
		p.fail(ParamTimePeriod, "must be day, week or month, got %q", clip(v))
		return ""
	}
}

// AppendKey appends to dst a canonical, unambiguous encoding of every
// field of r but RepoURL (which callers replace by the repository's own
// key): two requests have the same key exactly when their other fields
// are equal. Strings are Go-quoted, which is injective for any bytes, and
// instants are written in UTC. It allocates nothing beyond dst's growth,
// since a cached answer's key is built on every request.
func (r Request) AppendKey(dst []byte) []byte {
	f := r.Filter
	dst = appendInt(append(dst, "page="...), r.Page)
	dst = appendInt(append(dst, " limit="...), r.Limit)
	dst = appendKeyTime(append(dst, " from="...), f.From)
	dst = appendKeyTime(append(dst, " to="...), f.To)
	dst = appendKeyList(append(dst, " authors="...), f.Authors)
	dst = appendInt(append(dst, " minChanges="...), f.MinChanges)
	dst = appendKeyList(append(dst, " extensions="...), f.Extensions)
	dst = appendKeyList(append(dst, " paths="...), f.Paths)
	dst = strconv.AppendQuote(append(dst, " period="...), r.TimePeriod)
	dst = appendInt(append(dst, " top="...), r.TopFiles)
	dst = strconv.AppendQuote(append(dst, " groupBy="...), r.GroupBy)
	dst = appendInt(append(dst, " depth="...), r.Depth)
	dst = strconv.AppendBool(append(dst, " excludeBots="...), f.ExcludeBots)
	dst = appendKeyList(append(dst, " exclude="...), f.Exclude)
	dst = appendInt(append(dst, " minShared="...), r.MinShared)
	return appendInt(append(dst, " maxFiles="...), r.MaxFiles)
}

func appendInt(dst []byte, n int) []byte {
	return strconv.AppendInt(dst, int64(n), 10)
}

func appendKeyTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, '-')
	}
	return t.UTC().AppendFormat(dst, time.RFC3339Nano)
}

func appendKeyList(dst []byte, items []string) []byte {
	dst = append(dst, '[')
	for i, it := range items {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendQuote(dst, it)
	}
	return append(dst, ']')
}

func (p *parser) groupBy() string {
	switch v := strings.TrimSpace(p.get(ParamGroupBy)); v {
	case "", GroupDirectory:
		return v
	default:
		p.fail(ParamGroupBy, "must be %s, got %q", GroupDirectory, clip(v))
		return ""
	}
}

// ChurnOptions returns the shape r asks of a churn answer.
func (r Request) ChurnOptions() analytics.ChurnOptions {
	o := analytics.ChurnOptions{Limit: r.TopFiles}
	if r.GroupBy == GroupDirectory {
		o.DirectoryDepth = r.Depth
	}
	return o
}

// CouplingOptions returns the shape r asks of a coupling answer: the
// limit when one was given (analytics.DefaultCouplingLimit otherwise).
func (r Request) CouplingOptions() analytics.CouplingOptions {
	return analytics.CouplingOptions{Limit: r.TopFiles, MinShared: r.MinShared, MaxFiles: r.MaxFiles}
}

// clip shortens a value echoed in an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// Period reads the start and end of a recap (ISO 8601 dates or
// date-times; a date-only end covers its whole day) into the half-open
// interval [since, until), as of now. Without an end the period ends now;
// without a start it begins days before its end. Errors are Errors naming
// startName and endName.
func Period(start, end, startName, endName string, days int, now time.Time) (since, until time.Time, err error) {
	var errs Errors
	const format = "must be an ISO 8601 date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ)"
	until = now
	if end = strings.TrimSpace(end); end != "" {
		t, dateOnly, err := ParseDate(end)
		switch {
		case err != nil:
			errs = append(errs, FieldError{Field: endName, Message: format})
		case dateOnly:
			until = t.AddDate(0, 0, 1)
		default:
			until = t.Add(time.Nanosecond)
		}
	}
	since = until.AddDate(0, 0, -days)
	if start = strings.TrimSpace(start); start != "" {
		t, _, err := ParseDate(start)
		if err != nil {
			errs = append(errs, FieldError{Field: startName, Message: format})
		}
		since = t
	}
	if len(errs) == 0 && !since.Before(until) {
		errs = append(errs, FieldError{Field: endName, Message: "must be after " + startName})
	}
	if len(errs) > 0 {
		return time.Time{}, time.Time{}, errs
	}
	return since, until, nil
}

// List splits a comma-separated value into its trimmed, non-empty items.
func List(raw string) []string {
	var out []string
	for v := range strings.SplitSeq(raw, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
