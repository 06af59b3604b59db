package analytics

import (
	"fmt"
	"path"
	"strings"
)

// IsBot reports whether an author (mailmapped name and e-mail) is a bot,
// the rule behind Filter.ExcludeBots. Case is ignored; an author is a bot
// when
//   - the name or the e-mail contains "[bot]" (GitHub Apps:
//     "dependabot[bot]", "renovate[bot]", "github-actions[bot]",
//     "49699333+dependabot[bot]@users.noreply.github.com"), or
//   - the name ends with "-bot" or " bot" ("snyk-bot", "Renovate Bot"), or
//   - the e-mail is at users.noreply.github.com and its local part ends
//     with "bot" ("123+some-bot@users.noreply.github.com").
//
// It is onefetch's --no-bots rule, `(?:-|\s)[Bb]ot$|\[[Bb]ot\]`, plus the
// GitHub no-reply addresses of bot accounts.
func IsBot(name, email string) bool {
	name, email = strings.ToLower(strings.TrimSpace(name)), strings.ToLower(strings.TrimSpace(email))
	if strings.Contains(name, "[bot]") || strings.Contains(email, "[bot]") ||
		strings.HasSuffix(name, "-bot") || strings.HasSuffix(name, " bot") {
		return true
	}
	local, ok := strings.CutSuffix(email, "@users.noreply.github.com")
	return ok && strings.HasSuffix(local, "bot")
}

// ExcludeDefault is the Filter.Exclude item that stands for
// DefaultExclude; other items may follow it.
const ExcludeDefault = "default"

// DefaultExclude is the documented set of vendored, generated and lock
// files that Filter.Exclude names with ExcludeDefault.
var DefaultExclude = []string{
	"vendor/", "node_modules/", "third_party/", "bower_components/",
	"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml",
	"go.sum", "Cargo.lock", "Gemfile.lock", "composer.lock", "poetry.lock", "Pipfile.lock",
	"*.min.js", "*.min.css", "*.map", "*.pb.go",
}

// MaxExcludeLen is the longest exclude pattern accepted, in bytes.
const MaxExcludeLen = 200

// ValidExclude checks one exclude pattern: not empty, at most
// MaxExcludeLen bytes, a valid path.Match pattern.
func ValidExclude(pattern string) error {
	core := strings.Trim(pattern, "/")
	switch {
	case core == "":
		return fmt.Errorf("must name a file or directory, got %q", pattern)
	case len(pattern) > MaxExcludeLen:
		return fmt.Errorf("must be at most %d bytes", MaxExcludeLen)
	}
	if _, err := path.Match(core, ""); err != nil {
		return fmt.Errorf("is not a valid glob: %q", pattern)
	}
	return nil
}

// pattern is one compiled exclude pattern.
type pattern struct {
	// parts are the slash-separated glob components.
	parts []string
	// anchored patterns match from the top of the repository; the others
	// match one path component at any depth.
	anchored bool
	// dirOnly patterns (a trailing slash) match directories only.
	dirOnly bool
}

// compilePattern reads an exclude pattern, with .gitignore's conventions:
//   - a trailing "/" matches directories only ("vendor/"): every file under
//     a matching directory is excluded;
//   - a pattern with a "/" elsewhere ("docs/*.md", "/build") is anchored:
//     it matches the path from the top of the repository, and a directory
//     it matches excludes everything under it;
//   - otherwise it matches a file or directory name at any depth
//     ("*.min.js", "go.sum", "node_modules");
//   - a leading "**/" before a single name matches it at any depth
//     ("**/vendor"), and a trailing "/**" everything under a directory
//     ("docs/**" is "docs/").
//
// Globs are path.Match's: "*" and "?" never match "/", "[...]" classes;
// "**" elsewhere is "*".
func compilePattern(p string) pattern {
	core := strings.Trim(p, "/")
	pt := pattern{anchored: strings.HasPrefix(p, "/") || strings.Contains(core, "/"), dirOnly: strings.HasSuffix(p, "/")}
	if c, ok := strings.CutSuffix(core, "/**"); ok {
		core, pt.dirOnly = c, true
	}
	if c, ok := strings.CutPrefix(core, "**/"); ok && !strings.HasPrefix(p, "/") && !strings.Contains(c, "/") {
		core, pt.anchored = c, false
	}
	pt.parts = strings.Split(core, "/")
	return pt
}

// matches reports whether pattern pt excludes the file at path name,
// whose components are parts.
func (pt pattern) matches(parts []string) bool {
	// The file's own name may match unless the pattern names directories.
	last := len(parts)
	if pt.dirOnly {
		last--
	}
	if pt.anchored {
		n := len(pt.parts)
		if n > last {
			return false
		}
		for k, g := range pt.parts {
			if ok, _ := path.Match(g, parts[k]); !ok {
				return false
			}
		}
		return true
	}
	for _, c := range parts[:max(last, 0)] {
		if ok, _ := path.Match(pt.parts[0], c); ok {
			return true
		}
	}
	return false
}

// expandExclude returns the patterns items name, ExcludeDefault expanded.
func expandExclude(items []string) []pattern {
	var out []pattern
	for _, it := range items {
		if it == ExcludeDefault {
			for _, d := range DefaultExclude {
				out = append(out, compilePattern(d))
			}
			continue
		}
		out = append(out, compilePattern(it))
	}
	return out
}

// maxExcludeMemo bounds the exclusion sets a view remembers.
const maxExcludeMemo = 64

// excluded returns per path whether one of items excludes it, nil when
// items is empty. Matching every path against every pattern costs
// milliseconds, so each view remembers the sets it computed (a few
// distinct lists are asked for again and again: the default set above
// all).
func (v *View) excluded(items []string) []bool {
	if len(items) == 0 {
		return nil
	}
	key := strings.Join(items, "\x00")
	v.excludeMu.Lock()
	set, ok := v.excludeMemo[key]
	v.excludeMu.Unlock()
	if ok {
		return set
	}
	pats := expandExclude(items)
	set = make([]bool, len(v.x.Paths))
	for p, name := range v.x.Paths {
		parts := strings.Split(name, "/")
		for _, pt := range pats {
			if pt.matches(parts) {
				set[p] = true
				break
			}
		}
	}
	v.excludeMu.Lock()
	if len(v.excludeMemo) >= maxExcludeMemo {
		clear(v.excludeMemo)
	}
	v.excludeMemo[key] = set
	v.excludeMu.Unlock()
	return set
}
