package cli_test

import (
	"debug/buildinfo"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestVersion: `gitpulse version` and `gitpulse --version` print what the
// toolchain stamped into the binary (read back with debug/buildinfo), even
// with a setting that stops every other command; built in a git checkout,
// the commit is the checkout's HEAD.
func TestVersion(t *testing.T) {
	bin := binary(t)
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	stamp := map[string]string{}
	for _, s := range bi.Settings {
		stamp[s.Key] = s.Value
	}
	wantVersion, wantRev, wantDate := bi.Main.Version, "unknown", "unknown"
	if wantVersion == "" || wantVersion == "(devel)" {
		wantVersion = "devel"
	}
	if rev := stamp["vcs.revision"]; rev != "" {
		wantRev = rev
	}
	wantCommit := wantRev
	if stamp["vcs.modified"] == "true" {
		wantCommit += " (modified)"
	}
	if when, err := time.Parse(time.RFC3339, stamp["vcs.time"]); err == nil {
		wantDate = when.UTC().Format(time.RFC3339)
	}
	want := "gitpulse " + wantVersion + "\ncommit:  " + wantCommit + "\ndate:    " + wantDate +
		"\ngo:      " + bi.GoVersion + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "SESSION_TTL=soon")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("gitpulse %s: %v: %s", args[0], err, out)
		}
		if string(out) != want {
			t.Errorf("gitpulse %s printed\n%s\nwant\n%s", args[0], out, want)
		}
	}
	// The server names the same build in /metrics and in its OpenAPI
	// document.
	srv := startServe(t)
	resp, err := http.Get(srv.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	gauge := fmt.Sprintf(`gitpulse_build_info{commit=%q,goversion=%q,version=%q} 1`, wantRev, bi.GoVersion, wantVersion)
	if !strings.Contains(string(metrics), gauge) {
		t.Errorf("/metrics lacks %s:\n%s", gauge, grepLines(string(metrics), "build_info"))
	}
	var doc struct {
		Info struct{ Version string } `json:"info"`
	}
	srv.get(t, "/api/openapi.json", &doc)
	if doc.Info.Version != wantVersion {
		t.Errorf("OpenAPI info.version %q, want %q", doc.Info.Version, wantVersion)
	}
	// A checkout with a .git directory is stamped (a linked worktree,
	// whose .git is a file, is not: the toolchain does not look there).
	if fi, err := os.Stat("../../.git"); err != nil || !fi.IsDir() {
		t.Logf("not a git checkout with a .git directory: commit stamping not checked")
		return
	}
	head, err := exec.Command("git", "-C", "../..", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse HEAD: %v", err)
	}
	if got := stamp["vcs.revision"]; got != strings.TrimSpace(string(head)) {
		t.Errorf("binary stamped with commit %q, HEAD is %s", got, head)
	}
}
