package gitcli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// UnknownTime is the AuthorTime or CommitTime of a commit whose date git
// cannot read (a negative or malformed timestamp, which git fsck reports as
// badDateOverflow or badDate); git lists such a commit with an empty date.
const UnknownTime int64 = math.MinInt64

// CommitMeta is one commit's metadata as read by LogMetadata. Its byte
// slices point into a reused buffer: they are valid only during the
// callback that receives them.
type CommitMeta struct {
	Hash    []byte // hexadecimal object name (40 or 64 characters)
	Parents int
	// ParentHashes are the parents' hexadecimal names, space-separated.
	ParentHashes   []byte
	AuthorName     []byte // after .mailmap
	AuthorEmail    []byte // after .mailmap
	AuthorTime     int64  // seconds since the epoch, or UnknownTime
	AuthorZone     int16  // offset from UTC in minutes (0 if unreadable)
	CommitterName  []byte // after .mailmap
	CommitterEmail []byte // after .mailmap
	CommitTime     int64  // seconds since the epoch, or UnknownTime
	CommitZone     int16
	Subject        []byte
	// Raw is the author and committer as the commit records them, before
	// .mailmap: name, email, committer name, committer email.
	Raw [4][]byte
}

// MetadataFormat is the git log --format option LogMetadata uses: the
// CommitMeta fields NUL-terminated; with -z the record itself is
// NUL-terminated too, so the output is a flat sequence of metaFields
// NUL-terminated tokens per commit.
const MetadataFormat = "--format=%H%x00%P%x00%aN%x00%aE%x00%ad%x00%cN%x00%cE%x00%cd%x00%s%x00%an%x00%ae%x00%cn%x00%ce"

const metaFields = 13

// revRange is rev followed by each of exclude negated ("^e"): git's
// revisions for "reachable from rev and not from any of exclude". An
// exclude that could be read as an option is an error.
func revRange(rev string, exclude []string) ([]string, error) {
	revs := []string{rev}
	for _, e := range exclude {
		if err := checkDynamic(e); err != nil {
			return nil, err
		}
		revs = append(revs, "^"+e)
	}
	return revs, nil
}

// LogMetadata streams the metadata of the commits reachable from rev and
// not from any of exclude, in git log order (newest first), calling fn for
// each. It reads no diffs. Identities are mapped through the .mailmap
// committed at rev, the same for bare mirrors and local checkouts.
func (g *Git) LogMetadata(ctx context.Context, gitDir, rev string, exclude []string, fn func(*CommitMeta) error) error {
	revs, err := revRange(rev, exclude)
	if err != nil {
		return err
	}
	cmd := g.Command(gitDir).
		Config("mailmap.blob", rev+":.mailmap").
		Args("log", "-z", "--date=raw", "--use-mailmap", MetadataFormat).
		AddRevisions(revs...)
	return cmd.streamPaced(ctx, nil, func(r io.Reader) error {
		return ParseMetadata(r, fn)
	})
}

// maxToken bounds one field of git's output (a subject, a path).
const maxToken = 16 << 20

// ParseMetadata parses the output of LogMetadata's git log format.
func ParseMetadata(r io.Reader, fn func(*CommitMeta) error) error {
	fr := newFieldReader(r)
	var c CommitMeta
	var fields [metaFields][]byte
	for {
		ok, err := fr.next(fields[:])
		if err != nil {
			return fmt.Errorf("read git log: %w", err)
		}
		if !ok {
			return nil
		}
		if err := parseMeta(&c, &fields); err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
	}
}

func parseMeta(c *CommitMeta, f *[metaFields][]byte) error {
	if !isHex(f[0]) {
		return fmt.Errorf("git log: bad commit hash %q", truncate(f[0]))
	}
	c.Hash = f[0]
	c.Parents = 0
	c.ParentHashes = f[1]
	if len(f[1]) > 0 {
		c.Parents = bytes.Count(f[1], []byte{' '}) + 1
	}
	c.AuthorName, c.AuthorEmail = f[2], f[3]
	c.AuthorTime, c.AuthorZone = parseRawDate(f[4])
	c.CommitterName, c.CommitterEmail = f[5], f[6]
	c.CommitTime, c.CommitZone = parseRawDate(f[7])
	c.Subject = f[8]
	c.Raw = [4][]byte{f[9], f[10], f[11], f[12]}
	return nil
}

// parseRawDate parses git's raw date, "1112911993 -0700". git prints an
// empty date for a timestamp it cannot read: that, or anything else that
// is not a date, is UnknownTime; a time zone that is not one is UTC.
func parseRawDate(b []byte) (int64, int16) {
	sp := bytes.IndexByte(b, ' ')
	if sp < 0 {
		return UnknownTime, 0
	}
	secs, err := strconv.ParseInt(string(b[:sp]), 10, 64)
	if err != nil || secs == UnknownTime {
		return UnknownTime, 0
	}
	z := b[sp+1:]
	if len(z) != 5 || (z[0] != '+' && z[0] != '-') || !isDigits(z[1:]) {
		return secs, 0
	}
	mins := int16((z[1]-'0')*10+(z[2]-'0'))*60 + int16((z[3]-'0')*10+(z[4]-'0'))
	if z[0] == '-' {
		mins = -mins
	}
	return secs, mins
}

// Ident is a name and e-mail address, as in a commit's author line.
type Ident struct {
	Name  string
	Email string
}

// MapIdents maps idents through the .mailmap committed at rev, as
// LogMetadata maps a commit's author (git check-mailmap, one process for
// all of them). It refuses an ident that git could not read back as one.
func (g *Git) MapIdents(ctx context.Context, gitDir, rev string, idents []Ident) ([]Ident, error) {
	if err := checkDynamic(rev); err != nil {
		return nil, err
	}
	var in bytes.Buffer
	for _, id := range idents {
		if strings.ContainsAny(id.Name, "<>\n\x00") || strings.ContainsAny(id.Email, "<>\n\x00") ||
			id.Name != strings.TrimSpace(id.Name) {
			return nil, fmt.Errorf("check-mailmap: ident %q <%q> cannot be passed to git", truncate([]byte(id.Name)), truncate([]byte(id.Email)))
		}
		if id.Name != "" {
			in.WriteString(id.Name)
			in.WriteByte(' ')
		}
		in.WriteString("<" + id.Email + ">\n")
	}
	out, err := g.Command(gitDir).Config("mailmap.blob", rev+":.mailmap").
		Args("check-mailmap", "--stdin").Stdin(in.Bytes()).Output(ctx)
	if err != nil {
		return nil, err
	}
	return parseMailmapped(out, len(idents))
}

// parseMailmapped reads check-mailmap's answers, "Name <email>" or
// "<email>" per line.
func parseMailmapped(out []byte, n int) ([]Ident, error) {
	mapped := make([]Ident, 0, n)
	for line := range strings.Lines(string(out)) {
		line = strings.TrimSuffix(line, "\n")
		lt := strings.LastIndexByte(line, '<')
		if lt < 0 || !strings.HasSuffix(line, ">") || (lt > 0 && line[lt-1] != ' ') {
			return nil, fmt.Errorf("git check-mailmap: unexpected output %q", truncate([]byte(line)))
		}
		mapped = append(mapped, Ident{Name: line[:max(lt-1, 0)], Email: line[lt+1 : len(line)-1]})
	}
	if len(mapped) != n {
		return nil, fmt.Errorf("git check-mailmap: %d answers for %d idents", len(mapped), n)
	}
	return mapped, nil
}

// FileStat is one file's line counts in one commit, as read by Numstat.
// Binary files have Binary set and zero line counts.
type FileStat struct {
	Path    []byte
	Added   uint32
	Deleted uint32
	Binary  bool
}

// Numstat streams per-file line statistics for the given commits (renames
// not detected, merges skipped, root commits diffed against the empty tree).
// For every commit with at least one changed file, fn receives its hash and
// its files; the slices are valid only during the call. Commits are
// reported in the order given.
func (g *Git) Numstat(ctx context.Context, gitDir string, hashes [][]byte, fn func(hash []byte, files []FileStat) error) error {
	var in bytes.Buffer
	for _, h := range hashes {
		if !isHex(h) {
			return fmt.Errorf("numstat: bad commit hash %q", truncate(h))
		}
		in.Write(h)
		in.WriteByte('\n')
	}
	cmd := g.Command(gitDir).
		Args("diff-tree", "--stdin", "-r", "--root", "--numstat", "-z", "--no-renames", "--no-ext-diff", "--no-textconv").
		Stdin(in.Bytes())
	return cmd.Stream(ctx, func(r *os.File) error {
		return ParseNumstat(r, fn)
	})
}

// NumstatRange is the part of a history LogNumstat reads: the Count
// commits git log lists after skipping the first Skip, newest first, or
// with Reverse the same commits oldest first.
type NumstatRange struct {
	Skip, Count int
	Reverse     bool
	// MayPause, if not nil, says whether the reader may now let git's
	// output pile up for that long before reading on (git writes it 4 KiB
	// at a time, every 20 ms or so on git/git, and waking for each costs
	// more than parsing it); it is called between reads, in the goroutine
	// that calls fn. Nil reads the output as it comes.
	MayPause func(time.Duration) bool
}

// LogNumstat streams per-file line statistics like Numstat, for the
// commits of rng among those git log lists on rev ^exclude...: every one
// of them in rng's order, those without a changed file (merges) with no
// files. One git log costs about 15% less CPU than git diff-tree --stdin
// over the same commits (it walks with the commit-graph instead of reading
// each commit object), and starting a range with --skip walks, not diffs,
// the commits before it. The diff options are fixed so that no repository
// setting (diff.algorithm, log.showRoot, log.showSignature, diff.renames,
// diff.external...) changes what is counted.
func (g *Git) LogNumstat(ctx context.Context, gitDir, rev string, exclude []string, rng NumstatRange, fn func(hash []byte, files []FileStat) error) error {
	revs, err := revRange(rev, exclude)
	if err != nil {
		return err
	}
	cmd := g.Command(gitDir).
		Args("log", "-z", "--format=%H", "--numstat", "--root", "--no-renames", "--diff-merges=off",
			"--diff-algorithm=myers", "--no-ext-diff", "--no-textconv", "--no-color", "--no-show-signature").
		IntOption("--skip", rng.Skip).IntOption("--max-count", rng.Count)
	if rng.Reverse {
		cmd.Args("--reverse")
	}
	cmd.forManyDiffs().AddRevisions(revs...)
	if rng.MayPause == nil {
		return cmd.Stream(ctx, func(r *os.File) error {
			return ParseNumstat(r, fn)
		})
	}
	return cmd.streamPaced(ctx, rng.MayPause, func(r io.Reader) error {
		return ParseNumstat(r, fn)
	})
}

// ParseNumstat parses the output of Numstat's git diff-tree or of
// LogNumstat's git log: a commit hash token followed by
// "added\tdeleted\tpath" tokens, all NUL-terminated (git log puts a
// newline before a commit's first one).
func ParseNumstat(r io.Reader, fn func(hash []byte, files []FileStat) error) error {
	var (
		fr    = newFieldReader(r)
		field [1][]byte
		hash  []byte
		files []FileStat
		// arena holds the current commit's hash and paths, since the
		// buffer is overwritten by the next read.
		arena []byte
	)
	flush := func() error {
		if hash == nil {
			return nil
		}
		// Re-slice paths from the arena now that it no longer grows.
		off := len(hash)
		for i := range files {
			n := len(files[i].Path)
			files[i].Path = arena[off : off+n : off+n]
			off += n
		}
		err := fn(arena[:len(hash):len(hash)], files)
		hash, files, arena = nil, files[:0], arena[:0]
		return err
	}
	for {
		ok, err := fr.next(field[:])
		if err != nil {
			return fmt.Errorf("read git diff-tree: %w", err)
		}
		if !ok {
			return flush()
		}
		tok := field[0]
		if hash != nil && len(tok) > 0 && tok[0] == '\n' {
			tok = tok[1:]
		}
		tab := bytes.IndexByte(tok, '\t')
		if tab < 0 {
			if !isHex(tok) {
				return fmt.Errorf("git diff-tree: unexpected output %q", truncate(tok))
			}
			if err := flush(); err != nil {
				return err
			}
			arena = append(arena, tok...)
			hash = arena[:len(tok)]
			continue
		}
		if hash == nil {
			return fmt.Errorf("git diff-tree: file stat before any commit: %q", truncate(tok))
		}
		tab2 := bytes.IndexByte(tok[tab+1:], '\t')
		if tab2 < 0 {
			return fmt.Errorf("git diff-tree: bad numstat line %q", truncate(tok))
		}
		tab2 += tab + 1
		fs := FileStat{}
		a, d := tok[:tab], tok[tab+1:tab2]
		if string(a) == "-" && string(d) == "-" {
			fs.Binary = true
		} else {
			var err error
			if fs.Added, err = parseCount(a); err != nil {
				return err
			}
			if fs.Deleted, err = parseCount(d); err != nil {
				return err
			}
		}
		path := tok[tab2+1:]
		if len(path) == 0 {
			return fmt.Errorf("git diff-tree: empty path in %q", truncate(tok))
		}
		arena = append(arena, path...)
		fs.Path = path[:len(path):len(path)] // length only; re-sliced in flush
		files = append(files, fs)
	}
}

// parseCount reads a line count: decimal digits, at most 2^32-1.
func parseCount(b []byte) (uint32, error) {
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			n = math.MaxUint64
			break
		}
		if n = n*10 + uint64(c-'0'); n > math.MaxUint32 {
			break
		}
	}
	if len(b) == 0 || n > math.MaxUint32 {
		return 0, fmt.Errorf("git diff-tree: bad line count %q", truncate(b))
	}
	return uint32(n), nil
}

func isHex(b []byte) bool {
	if len(b) != 40 && len(b) != 64 {
		return false
	}
	for _, c := range b {
		if !lowerHex[c] {
			return false
		}
	}
	return true
}

// lowerHex marks the digits of git's hexadecimal object names.
var lowerHex = [256]bool{
	'0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true, '7': true, '8': true, '9': true,
	'a': true, 'b': true, 'c': true, 'd': true, 'e': true, 'f': true,
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

func truncate(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

// RevList streams the commits reachable from rev in git log order (newest
// first), calling fn with each one's hexadecimal name and those of its
// parents, space-separated (empty for a root); the slices are valid only
// during the call.
func (g *Git) RevList(ctx context.Context, gitDir, rev string, fn func(hash, parents []byte) error) error {
	return g.Command(gitDir).Args("rev-list", "--parents").AddRevisions(rev).Stream(ctx, func(r *os.File) error {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			hash, parents, _ := bytes.Cut(sc.Bytes(), []byte{' '})
			ok := isHex(hash)
			for p := range bytes.SplitSeq(parents, []byte{' '}) {
				ok = ok && (len(parents) == 0 || isHex(p))
			}
			if !ok {
				return fmt.Errorf("git rev-list: unexpected output %q", truncate(sc.Bytes()))
			}
			if err := fn(hash, parents); err != nil {
				return err
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("read git rev-list: %w", err)
		}
		return nil
	})
}
