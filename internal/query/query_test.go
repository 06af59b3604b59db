package query

import (
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func parse(params map[string]string) (Request, error) {
	v := url.Values{}
	for k, p := range params {
		v.Set(k, p)
	}
	return Parse(v, now)
}

func TestDefaultsAndNormalisation(t *testing.T) {
	req, err := parse(map[string]string{
		"repoUrl": " https://github.com/a/b ", "extensions": ".TS, tsx,js", "authors": "alice, Bob",
		"author": "carol", "fromDate": "2024-01-01", "toDate": "2024-12-31", "minChanges": "5",
		"paths": "src/,docs", "timePeriod": "week",
	})
	if err != nil {
		t.Fatal(err)
	}
	if req.Page != 1 || req.Limit != 100 || req.RepoURL != "https://github.com/a/b" {
		t.Errorf("defaults: %+v", req)
	}
	f := req.Filter
	if !reflect.DeepEqual(f.Extensions, []string{"ts", "tsx", "js"}) {
		t.Errorf("extensions %q", f.Extensions)
	}
	if !reflect.DeepEqual(f.Authors, []string{"carol", "alice", "Bob"}) {
		t.Errorf("authors %q", f.Authors)
	}
	if !reflect.DeepEqual(f.Paths, []string{"src/", "docs"}) || f.MinChanges != 5 || req.TimePeriod != "week" {
		t.Errorf("filter %+v", f)
	}
	if want := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC); !f.From.Equal(want) {
		t.Errorf("from %v", f.From)
	}
	// A date-only toDate includes that whole day.
	if want := time.Date(2024, 12, 31, 23, 59, 59, 999999999, time.UTC); !f.To.Equal(want) {
		t.Errorf("to %v", f.To)
	}
}

func TestExclusions(t *testing.T) {
	req, err := parse(map[string]string{"repoUrl": "x", "excludeBots": "true", "exclude": " default , docs/*.md,/build "})
	if err != nil {
		t.Fatal(err)
	}
	if f := req.Filter; !f.ExcludeBots || !reflect.DeepEqual(f.Exclude, []string{"default", "docs/*.md", "/build"}) {
		t.Errorf("filter %+v", f)
	}
	if req, err := parse(map[string]string{"repoUrl": "x", "excludeBots": "false"}); err != nil || req.Filter.ExcludeBots {
		t.Errorf("excludeBots=false: %+v, %v", req.Filter, err)
	}
	if a, b := mustKey(t, "repoUrl=x&excludeBots=false"), mustKey(t, "repoUrl=x"); a != b {
		t.Errorf("excludeBots=false is the default, but keys differ: %s, %s", a, b)
	}
}

func TestDateForms(t *testing.T) {
	for _, s := range []string{"2024-01-01T10:00:00Z", "2024-01-01T10:00:00+02:00", "2024-01-01T10:00:00.5Z", "2024-01-01T10:00:00"} {
		if _, err := parse(map[string]string{"repoUrl": "x", "fromDate": s}); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestValidation(t *testing.T) {
	cases := []struct {
		name   string
		params map[string]string
		field  string
		msg    string
	}{
		{"missing repoUrl", map[string]string{}, "repoUrl", "required"},
		{"long repoUrl", map[string]string{"repoUrl": strings.Repeat("a", 3000)}, "repoUrl", "at most"},
		{"page zero", map[string]string{"page": "0"}, "page", "from 1 to 1000"},
		{"page too big", map[string]string{"page": "1001"}, "page", "from 1 to 1000"},
		{"page not a number", map[string]string{"page": "two"}, "page", "whole number"},
		{"limit too big", map[string]string{"limit": "101"}, "limit", "from 1 to 100"},
		{"limit negative", map[string]string{"limit": "-1"}, "limit", "from 1 to 100"},
		{"bad fromDate", map[string]string{"fromDate": "invalid"}, "fromDate", "ISO 8601"},
		{"US date", map[string]string{"fromDate": "12/01/2024"}, "fromDate", "ISO 8601"},
		{"impossible date", map[string]string{"fromDate": "2024-02-30"}, "fromDate", "ISO 8601"},
		{"future toDate", map[string]string{"toDate": "2099-01-01"}, "toDate", "future"},
		{"to before from", map[string]string{"fromDate": "2024-05-01", "toDate": "2024-04-01"}, "toDate", "before fromDate"},
		{"long author", map[string]string{"author": strings.Repeat("x", 101)}, "author", "at most 100"},
		{"blank author", map[string]string{"author": "   "}, "author", "empty"},
		{"empty author", map[string]string{"author": ""}, "author", "empty"},
		{"empty authors", map[string]string{"authors": ""}, "authors", "empty"},
		{"empty fromDate", map[string]string{"fromDate": ""}, "fromDate", "empty"},
		{"empty page", map[string]string{"page": ""}, "page", "empty"},
		{"empty extensions", map[string]string{"extensions": " "}, "extensions", "empty"},
		{"empty repoUrl", map[string]string{"repoUrl": ""}, "repoUrl", "empty"},
		{"year 1 was read as no date", map[string]string{"fromDate": "0001-01-01"}, "fromDate", "before 1970-01-01"},
		{"year 2 made 24,299 month buckets", map[string]string{"fromDate": "0002-01-01"}, "fromDate", "before 1970-01-01"},
		{"toDate before the epoch", map[string]string{"toDate": "1969-12-31T23:59:59Z"}, "toDate", "before 1970-01-01"},
		{"too many authors", map[string]string{"authors": "a,b,c,d,e,f,g,h,i,j,k"}, "authors", "at most 10"},
		{"empty author item", map[string]string{"authors": "a,,b"}, "authors", "empty"},
		{"minChanges zero", map[string]string{"minChanges": "0"}, "minChanges", "from 1 to 1000"},
		{"minChanges big", map[string]string{"minChanges": "1001"}, "minChanges", "from 1 to 1000"},
		{"too many extensions", map[string]string{"extensions": strings.Repeat("a,", 20) + "a"}, "extensions", "at most 20"},
		{"empty extension", map[string]string{"extensions": "ts,"}, "extensions", "empty"},
		{"bad period", map[string]string{"timePeriod": "year"}, "timePeriod", "day, week or month"},
		{"excludeBots not a boolean", map[string]string{"excludeBots": "yes"}, "excludeBots", "true or false"},
		{"empty excludeBots", map[string]string{"excludeBots": ""}, "excludeBots", "empty"},
		{"empty exclude", map[string]string{"exclude": ""}, "exclude", "empty"},
		{"empty exclude item", map[string]string{"exclude": "vendor/,,go.sum"}, "exclude", "empty"},
		{"exclude of slashes only", map[string]string{"exclude": "//"}, "exclude", "name a file or directory"},
		{"bad glob", map[string]string{"exclude": "src/[a-"}, "exclude", "valid glob"},
		{"long glob", map[string]string{"exclude": strings.Repeat("a", 201)}, "exclude", "at most 200"},
		{"minShared zero", map[string]string{"minShared": "0"}, "minShared", "from 1 to 1000"},
		{"maxFiles one", map[string]string{"maxFiles": "1"}, "maxFiles", "from 2 to 10000"},
		{"maxFiles not a number", map[string]string{"maxFiles": "many"}, "maxFiles", "whole number"},
		{"too many globs", map[string]string{"exclude": strings.Repeat("a,", 20) + "a"}, "exclude", "at most 20"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, ok := c.params["repoUrl"]; !ok && c.field != "repoUrl" {
				c.params["repoUrl"] = "https://github.com/a/b"
			}
			_, err := parse(c.params)
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v, want Errors", err)
			}
			for _, e := range errs {
				if e.Field == c.field && strings.Contains(e.Message, c.msg) {
					return
				}
			}
			t.Fatalf("errors %v lack %s: ...%s...", errs, c.field, c.msg)
		})
	}
}

func TestEveryFailureReported(t *testing.T) {
	_, err := parse(map[string]string{"page": "0", "limit": "500", "fromDate": "nope", "minChanges": "x"})
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range errs {
		got[e.Field] = true
	}
	for _, f := range []string{"repoUrl", "page", "limit", "fromDate", "minChanges"} {
		if !got[f] {
			t.Errorf("no error for %s in %v", f, errs)
		}
	}
}

func TestRepeatedParameterRefused(t *testing.T) {
	for _, raw := range []string{
		"repoUrl=x&authors=Alice&authors=Bob", // once shared an entry with authors=Alice,Bob
		"repoUrl=x&author=Bob&author=Alice",
		"repoUrl=x&page=2&page=3",
		"repoUrl=x&repoUrl=y",
	} {
		params, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Parse(params, now)
		var errs Errors
		if !errors.As(err, &errs) || len(errs) != 1 || !strings.Contains(errs[0].Message, "given once") {
			t.Errorf("%s: err = %v, want one 'must be given once' error", raw, err)
		}
	}
}

// mustKey parses raw (a query string) and returns its request's key
// (AppendKey).
func mustKey(t *testing.T, raw string) string {
	t.Helper()
	params, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	req, err := Parse(params, now)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return string(req.AppendKey(nil))
}

func TestKeyIgnoresUnknownAndRepoURL(t *testing.T) {
	base := mustKey(t, "repoUrl=https://github.com/a/b&author=Bob")
	for _, raw := range []string{
		"repoUrl=github.com/a/b.git&author=Bob",
		"repoUrl=https://github.com/a/b&author=Bob&junk=1",
		"repoUrl=https://github.com/a/b&author=Bob&cachebuster=299&x=y",
		"repoUrl=https://github.com/a/b&author=%20Bob%20",
	} {
		if got := mustKey(t, raw); got != base {
			t.Errorf("Key(%s) = %s, want %s", raw, got, base)
		}
	}
}

func TestKeySeparatesLookAlikes(t *testing.T) {
	for _, pair := range [][2]string{
		// A value holding the old key's separators once poisoned the other query.
		{"repoUrl=x&author=Bob|fromDate=2025-01-01", "repoUrl=x&author=Bob&fromDate=2025-01-01"},
		{"repoUrl=x&author=a=b", "repoUrl=x&author=a&b"},
		{"repoUrl=x&authors=Alice,Bob", "repoUrl=x&author=Alice,Bob"},
		{"repoUrl=x&paths=a%22,b", "repoUrl=x&paths=a,%22b"},
		{"repoUrl=x&author=%FF", "repoUrl=x&author=%EF%BF%BD"}, // invalid UTF-8 against U+FFFD
		{"repoUrl=x&toDate=2025-01-01", "repoUrl=x&toDate=2025-01-01T00:00:00Z"},
		{"repoUrl=x", "repoUrl=x&excludeBots=true"},
		{"repoUrl=x&exclude=vendor/", "repoUrl=x&exclude=vendor"},
		{"repoUrl=x&exclude=a,b", "repoUrl=x&exclude=b,a"},
		{"repoUrl=x&minShared=4", "repoUrl=x&maxFiles=4"},
		{"repoUrl=x", "repoUrl=x&maxFiles=51"},
	} {
		if a, b := mustKey(t, pair[0]), mustKey(t, pair[1]); a == b {
			t.Errorf("%s and %s share the key %s", pair[0], pair[1], a)
		}
	}
}

// sameQuestion reports whether a and b agree on every field AppendKey
// encodes.
func sameQuestion(a, b Request) bool {
	fa, fb := a.Filter, b.Filter
	return a.Page == b.Page && a.Limit == b.Limit && a.TimePeriod == b.TimePeriod &&
		fa.From.Equal(fb.From) && fa.To.Equal(fb.To) && fa.MinChanges == fb.MinChanges &&
		slices.Equal(fa.Authors, fb.Authors) && slices.Equal(fa.Extensions, fb.Extensions) &&
		slices.Equal(fa.Paths, fb.Paths) && fa.ExcludeBots == fb.ExcludeBots && slices.Equal(fa.Exclude, fb.Exclude) &&
		a.TopFiles == b.TopFiles && a.GroupBy == b.GroupBy && a.Depth == b.Depth &&
		a.MinShared == b.MinShared && a.MaxFiles == b.MaxFiles
}

// FuzzKey checks that two valid requests share a key only when they ask
// the same question, and that parsing never panics.
func FuzzKey(f *testing.F) {
	for _, pair := range [][2]string{
		{"repoUrl=x&author=Bob|fromDate=2025-01-01", "repoUrl=x&author=Bob&fromDate=2025-01-01"},
		{"repoUrl=x&authors=Alice,Bob", "repoUrl=x&authors=Alice&authors=Bob"},
		{"repoUrl=x&extensions=.TS,js", "repoUrl=x&extensions=ts,JS"},
		{"repoUrl=x&paths=a%22,b&page=2", "repoUrl=x&paths=a,%22b&limit=2"},
		{"repoUrl=x&fromDate=2024-01-01T10:00:00%2B02:00", "repoUrl=x&fromDate=2024-01-01T08:00:00Z"},
		{"repoUrl=x&author=%FF&timePeriod=week", "repoUrl=x&author=%EF%BF%BD&minChanges=3"},
		{"repoUrl=x&excludeBots=true", "repoUrl=x&excludeBots=false"},
		{"repoUrl=x&exclude=vendor/,*.min.js", "repoUrl=x&exclude=vendor/&exclude=*.min.js"},
		{"repoUrl=x&exclude=default", "repoUrl=x&exclude=%22default%22&depth=2"},
		{"repoUrl=x&minShared=3", "repoUrl=x&maxFiles=3"},
	} {
		f.Add(pair[0], pair[1])
	}
	f.Fuzz(func(t *testing.T, rawA, rawB string) {
		pa, errA := url.ParseQuery(rawA)
		pb, errB := url.ParseQuery(rawB)
		if errA != nil || errB != nil {
			return
		}
		a, errA := Parse(pa, now)
		b, errB := Parse(pb, now)
		if errA != nil || errB != nil {
			return
		}
		keyA, keyB := string(a.AppendKey(nil)), string(b.AppendKey([]byte("prefix ")))
		if keyA != string(a.AppendKey(nil)) {
			t.Fatalf("the key of %q is not deterministic", rawA)
		}
		if keyA == strings.TrimPrefix(keyB, "prefix ") && !sameQuestion(a, b) {
			t.Fatalf("%q and %q ask different questions but share the key %s", rawA, rawB, keyA)
		}
	})
}
