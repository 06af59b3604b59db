package fleet_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// This file reads the deployment files at the top of the repository
// (Dockerfile, compose.yaml), so that the fleet tests run the processes
// the containers would: the image's entrypoint with each service's
// command and environment, and the image's health check against them.

// image is what the Dockerfile's runtime stage says about a container.
type image struct {
	entrypoint []string // ENTRYPOINT, exec form
	env        []string // ENV, KEY=value
	health     string   // HEALTHCHECK's CMD, shell form
}

func readImage(t testing.TB) image {
	t.Helper()
	raw, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(raw), "\\\n", " ")
	var img image
	for _, line := range strings.Split(text, "\n") {
		word, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		rest = strings.TrimSpace(rest)
		switch word {
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(rest), &img.entrypoint); err != nil {
				t.Fatalf("ENTRYPOINT is not in exec form: %v", err)
			}
		case "ENV":
			img.env = append(img.env, strings.Fields(rest)...)
		case "HEALTHCHECK":
			_, cmd, ok := strings.Cut(rest, " CMD ")
			if !ok {
				t.Fatal("HEALTHCHECK has no CMD")
			}
			img.health = strings.TrimSpace(cmd)
		}
	}
	if len(img.entrypoint) == 0 || img.health == "" {
		t.Fatalf("the Dockerfile has no ENTRYPOINT or HEALTHCHECK: %+v", img)
	}
	return img
}

// service is one compose.yaml service.
type service struct {
	Image       string            `yaml:"image"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
}

func readCompose(t testing.TB) map[string]service {
	t.Helper()
	raw, err := os.ReadFile("../../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]service `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c.Services
}

var interpolation = regexp.MustCompile(`\$\{([A-Z_]+)(:[-?][^}]*)?\}`)

// container returns the command line (after the binary) and the
// environment of compose service name, its ${VARIABLE} references taken
// from vars, the image's ENV first; the binary is the image's entrypoint.
func container(t testing.TB, name string, vars map[string]string) (args, env []string) {
	t.Helper()
	img := readImage(t)
	if img.entrypoint[0] != "gitpulse" {
		t.Fatalf("the image's entrypoint is %v, not gitpulse", img.entrypoint)
	}
	svc, ok := readCompose(t)[name]
	if !ok {
		t.Fatalf("compose.yaml has no service %s", name)
	}
	env = append(env, img.env...)
	for k, v := range svc.Environment {
		env = append(env, k+"="+interpolation.ReplaceAllStringFunc(v, func(ref string) string {
			m := interpolation.FindStringSubmatch(ref)
			if val, ok := vars[m[1]]; ok {
				return val
			}
			if strings.HasPrefix(m[2], ":?") {
				t.Fatalf("compose.yaml's %s needs %s", name, m[1])
			}
			return strings.TrimPrefix(m[2], ":-")
		}))
	}
	return append(img.entrypoint[1:], svc.Command...), env
}

// checkHealth runs the image's HEALTHCHECK command against p, as Docker
// would in p's container (PORT and HEALTH_PORT as p's environment has
// them, pointed at the port p listens on).
func checkHealth(t testing.TB, p *proc) {
	t.Helper()
	_, port, _ := strings.Cut(p.addr, ":")
	cmd := exec.Command("sh", "-c", readImage(t).health)
	cmd.Env = append(os.Environ(), "PORT="+port)
	for _, kv := range p.cmd.Env {
		if strings.HasPrefix(kv, "HEALTH_PORT=") {
			cmd.Env = append(cmd.Env, "HEALTH_PORT="+port)
		}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the image's health check fails on %s: %v %s", p.name, err, out)
	}
}

// TestComposeFileIsValid checks compose.yaml with docker-compose's own
// validator (its schema of the compose file format), which refuses it
// without SECRET_KEY.
func TestComposeFileIsValid(t *testing.T) {
	path, err := exec.LookPath("docker-compose")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("docker-compose is not installed (apt-get install --no-install-recommends docker-compose)")
		}
		t.Skip("docker-compose is not installed (apt-get install --no-install-recommends docker-compose)")
	}
	run := func(env ...string) ([]byte, error) {
		cmd := exec.Command(path, "-f", "compose.yaml", "config", "-q")
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), env...)
		return cmd.CombinedOutput()
	}
	if out, err := run("SECRET_KEY=" + strings.Repeat("k", 32)); err != nil {
		t.Fatalf("compose.yaml is not valid: %v\n%s", err, out)
	}
	if out, err := run("SECRET_KEY="); err == nil || !strings.Contains(string(out), "SECRET_KEY") {
		t.Errorf("compose.yaml without SECRET_KEY: %v %s", err, out)
	}
	services := readCompose(t)
	for _, name := range []string{"proxy", "serve1", "serve2", "worker", "redis"} {
		if _, ok := services[name]; !ok {
			t.Errorf("compose.yaml has no service %s", name)
		}
	}
	if proxies := services["serve1"].Environment["TRUSTED_PROXIES"]; proxies == "" {
		t.Error("the API instances behind the proxy have no TRUSTED_PROXIES")
	}
}
