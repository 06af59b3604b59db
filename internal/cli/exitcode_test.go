package cli_test

import (
	"bytes"
	"net"
	"os/exec"
	"strings"
	"testing"
)

// TestExitCodes: every subcommand follows one convention: 2 for a usage
// mistake (unknown command or flag, wrong arguments, an invalid setting),
// 1 for a failure, each with a message and no stack trace.
func TestExitCodes(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	notRepo := t.TempDir()
	cases := []struct {
		name string
		env  []string
		args []string
		code int
		msg  string
	}{
		{"unknown command", nil, []string{"analyse"}, 2, `unknown command "analyse"`},
		{"unknown global flag", nil, []string{"--colour", "analyze"}, 2, "unknown flag"},
		{"bad global flag value", nil, []string{"--fetch-interval", "soon", "analyze", notRepo, "summary"}, 2, "fetch-interval"},
		{"no command: help", nil, nil, 0, ""},

		{"analyze: no arguments", nil, []string{"analyze"}, 2, "analyze takes a repository"},
		{"analyze: unknown flag", nil, []string{"analyze", notRepo, "summary", "--colour"}, 2, "unknown flag"},
		{"analyze: bad setting", []string{"SESSION_TTL=soon"}, []string{"analyze", notRepo, "summary"}, 2, `SESSION_TTL="soon"`},
		{"analyze: failure", nil, []string{"analyze", notRepo, "summary"}, 1, "not a git repository"},

		{"recap: two repositories", nil, []string{"recap", notRepo, notRepo}, 2, "accepts at most 1 arg"},
		{"recap: unknown flag", nil, []string{"recap", notRepo, "--colour"}, 2, "unknown flag"},
		{"recap: bad setting", []string{"LLM_PROVIDER=nope"}, []string{"recap", notRepo}, 2, "LLM_PROVIDER"},
		{"recap: failure", nil, []string{"recap", notRepo}, 1, "not a git repository"},

		{"bench: no repository", nil, []string{"bench"}, 2, "accepts 1 arg"},
		{"bench: unknown flag", nil, []string{"bench", notRepo, "--colour"}, 2, "unknown flag"},
		{"bench: bad setting", []string{"SESSION_TTL=soon"}, []string{"bench", notRepo}, 2, "SESSION_TTL"},
		{"bench: failure", nil, []string{"bench", notRepo}, 1, "not a git repository"},

		{"serve: an argument", nil, []string{"serve", "now"}, 2, "unknown command"},
		{"serve: unknown flag", nil, []string{"serve", "--colour"}, 2, "unknown flag"},
		{"serve: bad setting", []string{"PORT=0", "RATE_LIMIT=x"}, []string{"serve"}, 2, "PORT=0"},
		{"serve: bad LLM setting", []string{"LLM_PROVIDER=nope"}, []string{"serve"}, 2, "LLM_PROVIDER"},
		{"serve: failure", nil, []string{"serve", "--addr", busy.Addr().String()}, 1, "address already in use"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(binary(t), append([]string{"--data-dir", t.TempDir()}, c.args...)...)
			cmd.Env = append(withoutEnv("SECRET_KEY", "LLM_PROVIDER", "PORT"), c.env...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != c.code || !strings.Contains(stderr.String(), c.msg) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr.String(), c.code, c.msg)
			}
			if strings.Contains(stderr.String(), "goroutine ") || strings.Contains(stderr.String(), "panic") {
				t.Fatalf("stack trace leaked: %s", stderr.String())
			}
		})
	}
}
