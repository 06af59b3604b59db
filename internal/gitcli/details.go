package gitcli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// CommitDetail is one commit as LogDetails reads it: what a summary of
// the commit needs, its whole message and its changed files included.
// Unlike CommitMeta it owns its memory.
type CommitDetail struct {
	Hash string
	// Parents are the parents' names, the first parent first.
	Parents     []string
	AuthorName  string // after .mailmap
	AuthorEmail string // after .mailmap
	AuthorTime  int64  // seconds since the epoch, or UnknownTime
	AuthorZone  int16  // offset from UTC in minutes
	// Message is the whole commit message, subject and body.
	Message string
	// Files are the files the commit changes against its parent (empty
	// for a merge), renames not detected.
	Files []FileStat
}

// detailMarker starts each record of detailFormat, so that a record can
// be told from the numstat lines that follow the one before it.
const detailMarker = '\x01'

// detailFormat prints detailFields NUL-terminated fields after the marker;
// -z ends the record with one more NUL, and --numstat adds a newline and
// then "added\tdeleted\tpath" NUL-terminated tokens.
const detailFormat = "--format=%x01%H%x00%P%x00%aN%x00%aE%x00%ad%x00%B%x00"

const detailFields = 6

// MaxDetailCommits bounds the commits one LogDetails call reads.
const MaxDetailCommits = 5000

// LogDetails streams the commits reachable from rev and not from any of
// exclude, newest first, with whole messages and, with stats, per-file
// line counts (git log --numstat: one git process for all of them),
// calling fn for each; at most MaxDetailCommits are read. Identities are
// mapped through the .mailmap committed at rev.
func (g *Git) LogDetails(ctx context.Context, gitDir, rev string, exclude []string, stats bool, fn func(*CommitDetail) error) error {
	revs, err := revRange(rev, exclude)
	if err != nil {
		return err
	}
	cmd := g.Command(gitDir).
		Config("mailmap.blob", rev+":.mailmap").
		Args("log", "-z", "--date=raw", "--use-mailmap", "--max-count=5000", detailFormat)
	if stats {
		cmd.Args("--numstat", "--no-renames", "--no-ext-diff", "--no-textconv")
	}
	cmd.AddRevisions(revs...)
	return cmd.Stream(ctx, func(r *os.File) error {
		return ParseDetails(r, fn)
	})
}

// ParseDetails parses the output of LogDetails' git log.
func ParseDetails(r io.Reader, fn func(*CommitDetail) error) error {
	var (
		fr     = newFieldReader(r)
		field  [1][]byte
		c      *CommitDetail
		fields []string
	)
	flush := func() error {
		if c == nil {
			return nil
		}
		err := fn(c)
		c = nil
		return err
	}
	for {
		ok, err := fr.next(field[:])
		if err != nil {
			return fmt.Errorf("read git log: %w", err)
		}
		if !ok {
			break
		}
		tok := field[0]
		switch {
		case len(tok) > 0 && tok[0] == detailMarker:
			if err := flush(); err != nil {
				return err
			}
			fields = append(fields[:0], string(tok[1:]))
		case fields != nil:
			fields = append(fields, string(tok))
			if len(fields) == detailFields {
				var err error
				if c, err = detailOf(fields); err != nil {
					return err
				}
				fields = nil
			}
		case c == nil:
			return fmt.Errorf("git log: unexpected output %q", truncate(tok))
		default:
			// The record's own terminator, then its numstat lines
			// (the first after a newline).
			tok = bytes.TrimPrefix(tok, []byte{'\n'})
			if len(tok) == 0 {
				continue
			}
			fs, err := parseStatLine(tok)
			if err != nil {
				return err
			}
			fs.Path = bytes.Clone(fs.Path)
			c.Files = append(c.Files, fs)
		}
	}
	if fields != nil {
		return errors.New("git log: output ends inside a record")
	}
	return flush()
}

// detailOf reads the fields of one record.
func detailOf(f []string) (*CommitDetail, error) {
	if !isHex([]byte(f[0])) {
		return nil, fmt.Errorf("git log: bad commit hash %q", truncate([]byte(f[0])))
	}
	c := &CommitDetail{Hash: f[0], Parents: strings.Fields(f[1]), AuthorName: f[2], AuthorEmail: f[3], Message: strings.TrimSpace(f[5])}
	c.AuthorTime, c.AuthorZone = parseRawDate([]byte(f[4]))
	return c, nil
}

// parseStatLine reads one "added\tdeleted\tpath" numstat token; its Path
// points into tok.
func parseStatLine(tok []byte) (FileStat, error) {
	parts := bytes.SplitN(tok, []byte{'\t'}, 3)
	if len(parts) != 3 || len(parts[2]) == 0 {
		return FileStat{}, fmt.Errorf("git: bad numstat line %q", truncate(tok))
	}
	fs := FileStat{Path: parts[2]}
	if string(parts[0]) == "-" && string(parts[1]) == "-" {
		fs.Binary = true
		return fs, nil
	}
	var err error
	if fs.Added, err = parseCount(parts[0]); err != nil {
		return fs, err
	}
	fs.Deleted, err = parseCount(parts[1])
	return fs, err
}

// MainlineSpan walks the first-parent history of rev, newest first, and
// returns the newest commit older than until (rev itself when until is 0)
// and the newest older than since (empty when since is 0 or no commit is
// older): the commits of the period are those reachable from top and not
// from base. Dates are committer dates in seconds since the epoch.
func (g *Git) MainlineSpan(ctx context.Context, gitDir, rev string, since, until int64) (top, base string, err error) {
	errDone := errors.New("done")
	err = g.Command(gitDir).Args("log", "--first-parent", "--format=%H %ct").AddRevisions(rev).
		Stream(ctx, func(r *os.File) error {
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				hash, ct, ok := strings.Cut(sc.Text(), " ")
				t, perr := strconv.ParseInt(ct, 10, 64)
				if !ok || perr != nil || !isHex([]byte(hash)) {
					return fmt.Errorf("git log: unexpected output %q", truncate(sc.Bytes()))
				}
				if top == "" && (until == 0 || t < until) {
					top = hash
				}
				if since != 0 && t < since {
					base = hash
					return errDone
				}
			}
			if err := sc.Err(); err != nil {
				return fmt.Errorf("read git log: %w", err)
			}
			return nil
		})
	if errors.Is(err, errDone) {
		err = nil
	}
	return top, base, err
}
