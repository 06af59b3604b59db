// Package version tells which build of gitpulse is running: the module
// version, the VCS commit and its date, as the Go toolchain stamps them
// into every binary (debug.ReadBuildInfo). A binary built by `go run` or
// `go test`, or outside a checkout, lacks some of them; they then read as
// "devel" and "unknown" rather than as empty strings.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// Unknown stands for a fact the build did not record.
const Unknown = "unknown"

// Devel is the version of a build that was not made from a tagged module
// (`go run`, `go test`, a build without VCS information).
const Devel = "devel"

// Info describes one build.
type Info struct {
	// Version is the module version (v1.2.3, or a pseudo-version such as
	// v0.0.0-20261127144835-07c276f1a2b3+dirty), or Devel.
	Version string
	// Revision is the VCS commit the binary was built from, or Unknown.
	Revision string
	// Time is the commit's date (builds are reproducible, so this is the
	// build's date too); zero when unknown.
	Time time.Time
	// Modified reports that the work tree had uncommitted changes.
	Modified bool
	// GoVersion is the toolchain that built the binary.
	GoVersion string
}

// Get returns the running binary's build information.
var Get = sync.OnceValue(func() Info {
	return FromBuildInfo(debug.ReadBuildInfo())
})

// FromBuildInfo reads bi (as debug.ReadBuildInfo returns it; ok false
// means the binary carries none).
func FromBuildInfo(bi *debug.BuildInfo, ok bool) Info {
	info := Info{Version: Devel, Revision: Unknown, GoVersion: runtime.Version()}
	if !ok || bi == nil {
		return info
	}
	if bi.GoVersion != "" {
		info.GoVersion = bi.GoVersion
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		info.Version = v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if s.Value != "" {
				info.Revision = s.Value
			}
		case "vcs.time":
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				info.Time = t.UTC()
			}
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// Date is the commit date as YYYY-MM-DDTHH:MM:SSZ, or Unknown.
func (i Info) Date() string {
	if i.Time.IsZero() {
		return Unknown
	}
	return i.Time.Format(time.RFC3339)
}

// String is what `gitpulse version` prints: the version, then the commit
// (marked when the work tree was modified), its date and the toolchain,
// one per line.
func (i Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gitpulse %s\n", i.Version)
	rev := i.Revision
	if i.Modified {
		rev += " (modified)"
	}
	fmt.Fprintf(&b, "commit:  %s\n", rev)
	fmt.Fprintf(&b, "date:    %s\n", i.Date())
	fmt.Fprintf(&b, "go:      %s %s/%s\n", i.GoVersion, runtime.GOOS, runtime.GOARCH)
	return b.String()
}
