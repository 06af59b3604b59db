package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func parse(params map[string]string) (Request, error) {
	return Parse(func(k string) string { return params[k] }, now)
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
		{"blank author", map[string]string{"author": "   "}, "author", "blank"},
		{"too many authors", map[string]string{"authors": "a,b,c,d,e,f,g,h,i,j,k"}, "authors", "at most 10"},
		{"empty author item", map[string]string{"authors": "a,,b"}, "authors", "empty"},
		{"minChanges zero", map[string]string{"minChanges": "0"}, "minChanges", "from 1 to 1000"},
		{"minChanges big", map[string]string{"minChanges": "1001"}, "minChanges", "from 1 to 1000"},
		{"too many extensions", map[string]string{"extensions": strings.Repeat("a,", 20) + "a"}, "extensions", "at most 20"},
		{"empty extension", map[string]string{"extensions": "ts,"}, "extensions", "empty"},
		{"bad period", map[string]string{"timePeriod": "year"}, "timePeriod", "day, week or month"},
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
