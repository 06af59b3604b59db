package repourl

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that its errors wrap
// ErrInvalid, and that its result is a fixed point: parsing the URL it
// returns gives the same Repo, so the same Key.
func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		f.Add(c.raw)
	}
	for _, c := range parseErrorCases {
		f.Add(c.raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r, err := Parse(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) error %q does not wrap ErrInvalid", raw, err)
			}
			return
		}
		switch {
		case r.URL == "" || r.Key == "" || r.Name == "":
			t.Fatalf("Parse(%q) = %+v: empty URL, Key or Name", raw, r)
		case r.Local && r.Scheme != "file", r.Scheme == "file" && r.Host != "":
			t.Fatalf("Parse(%q) = %+v: Local, Scheme and Host disagree", raw, r)
		case r.Host != strings.ToLower(r.Host):
			t.Fatalf("Parse(%q) = %+v: Host is not lower-case", raw, r)
		}
		again, err := Parse(r.URL)
		if err != nil {
			t.Fatalf("Parse(%q).URL = %q, which does not parse: %v", raw, r.URL, err)
		}
		if again != r {
			t.Fatalf("Parse(%q) = %+v, but parsing its URL gives %+v", raw, r, again)
		}
	})
}
