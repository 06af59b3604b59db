package version_test

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/version"
)

func TestFromBuildInfo(t *testing.T) {
	stamped := &debug.BuildInfo{
		GoVersion: "go1.26.0",
		Main:      debug.Module{Path: "github.com/gitpulse/gitpulse", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "07c276f1a2b3c4d5e6f708192a3b4c5d6e7f8091"},
			{Key: "vcs.time", Value: "2026-11-27T14:48:35+01:00"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want version.Info
	}{
		{"a release build", stamped, true, version.Info{Version: "v1.4.0", Revision: "07c276f1a2b3c4d5e6f708192a3b4c5d6e7f8091",
			Time: time.Date(2026, 11, 27, 13, 48, 35, 0, time.UTC), Modified: true, GoVersion: "go1.26.0"}},
		{"go run or go test: (devel), no VCS settings", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, true,
			version.Info{Version: version.Devel, Revision: version.Unknown, GoVersion: "go1.26.0"}},
		{"no build information at all", nil, false, version.Info{Version: version.Devel, Revision: version.Unknown, GoVersion: runtime.Version()}},
		{"a vcs.time that does not parse is left unknown", &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.time", Value: "yesterday"}}}, true,
			version.Info{Version: version.Devel, Revision: version.Unknown, GoVersion: runtime.Version()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := version.FromBuildInfo(tc.bi, tc.ok); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestString(t *testing.T) {
	i := version.FromBuildInfo(&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-11-27T14:48:35Z"}, {Key: "vcs.modified", Value: "true"}}}, true)
	want := "gitpulse v1.4.0\ncommit:  abc123 (modified)\ndate:    2026-11-27T14:48:35Z\ngo:      go1.26.0 " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if got := i.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	unstamped := version.FromBuildInfo(nil, false).String()
	for _, part := range []string{"gitpulse devel\n", "commit:  unknown\n", "date:    unknown\n"} {
		if !strings.Contains(unstamped, part) {
			t.Errorf("an unstamped build prints %q, lacking %q", unstamped, part)
		}
	}
}

// TestGetReadsThisBinary: a test binary carries build information but no
// VCS stamp, and Get says so sensibly.
func TestGetReadsThisBinary(t *testing.T) {
	i := version.Get()
	if i.GoVersion != runtime.Version() {
		t.Errorf("GoVersion %q, want %q", i.GoVersion, runtime.Version())
	}
	if i.Version == "" || i.Revision == "" {
		t.Errorf("empty fields in %+v: want %q or %q for what is not recorded", i, version.Devel, version.Unknown)
	}
}
