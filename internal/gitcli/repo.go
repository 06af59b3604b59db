package gitcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gitpulse/gitpulse/internal/fault"
)

// ErrNotRepository means a directory is not a git repository.
var ErrNotRepository = fault.New(fault.NotFound, "not a git repository")

// ErrNoCommits means a repository, or the branch asked for, has no commits.
var ErrNoCommits = fault.New(fault.NotFound, "no commits")

// GitDir returns the git directory of the repository at or above dir
// (the directory itself for a bare repository), or ErrNotRepository.
func (g *Git) GitDir(ctx context.Context, dir string) (string, error) {
	// git runs in its own home directory: resolve dir against ours.
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	cmd := g.Command("").Args("-C").AddDynamic(dir).Args("rev-parse", "--absolute-git-dir")
	out, err := cmd.Output(ctx)
	if err != nil {
		var ge *Error
		if errors.As(err, &ge) && ge.ExitCode == 128 {
			return "", fmt.Errorf("%s: %w", dir, ErrNotRepository)
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// Head resolves rev ("HEAD" when empty) to a commit hash and returns it
// with the short name of the branch HEAD points to ("main"). A repository
// whose HEAD branch has no commits returns the branch name and
// ErrNoCommits.
func (g *Git) Head(ctx context.Context, gitDir, rev string) (branch, hash string, err error) {
	if rev == "" {
		rev = "HEAD"
	}
	out, err := g.Command(gitDir).Args("symbolic-ref", "--quiet", "--short", "HEAD").Output(ctx)
	if err == nil {
		branch = strings.TrimSpace(string(out))
	}
	out, err = g.Command(gitDir).Args("rev-parse", "--verify", "--quiet").AddRevisions(rev + "^{commit}").Output(ctx)
	if err != nil {
		var ge *Error
		if errors.As(err, &ge) && ge.ExitCode == 1 {
			return branch, "", ErrNoCommits
		}
		return branch, "", err
	}
	return branch, strings.TrimSpace(string(out)), nil
}

// IsAncestor reports whether commit a is an ancestor of (or equal to) b.
func (g *Git) IsAncestor(ctx context.Context, gitDir, a, b string) (bool, error) {
	err := g.Command(gitDir).Args("merge-base", "--is-ancestor").AddRevisions(a, b).Run(ctx)
	if err == nil {
		return true, nil
	}
	var ge *Error
	if errors.As(err, &ge) && ge.ExitCode == 1 {
		return false, nil
	}
	return false, err
}

// CountCommits returns how many commits are reachable from rev and not from
// any of exclude.
func (g *Git) CountCommits(ctx context.Context, gitDir, rev string, exclude ...string) (int, error) {
	revs, err := revRange(rev, exclude)
	if err != nil {
		return 0, err
	}
	out, err := g.Command(gitDir).Args("rev-list", "--count").AddRevisions(revs...).Output(ctx)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(string(bytes.TrimSpace(out)))
	if err != nil {
		return 0, fmt.Errorf("git rev-list --count: unexpected output %q", truncate(out))
	}
	return n, nil
}

// ObjectFormat returns the repository's hash algorithm, "sha1" or "sha256".
func (g *Git) ObjectFormat(ctx context.Context, gitDir string) (string, error) {
	out, err := g.Command(gitDir).Args("rev-parse", "--show-object-format").Output(ctx)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// MailmapBlob returns the object name of the .mailmap file committed at
// rev, or "" when rev has none.
func (g *Git) MailmapBlob(ctx context.Context, gitDir, rev string) (string, error) {
	out, err := g.Command(gitDir).Args("rev-parse", "--verify", "--quiet").AddRevisions(rev + ":.mailmap").Output(ctx)
	if err != nil {
		var ge *Error
		if errors.As(err, &ge) && ge.ExitCode == 1 {
			return "", nil
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// FileAt returns the contents of the file at path in commit (or tag) rev.
func (g *Git) FileAt(ctx context.Context, gitDir, rev, path string) ([]byte, error) {
	if err := checkDynamic(path); err != nil {
		return nil, err
	}
	return g.Command(gitDir).Args("cat-file", "blob").AddRevisions(rev + ":" + path).Output(ctx)
}
