// Package index is gitpulse's history index: one pass of git log turned
// into compact, columnar, interned arrays that every analytics query scans
// in memory.
//
// An Index describes the history of one branch as git log lists it, newest
// commit first: position 0 is the branch head. It is built in two passes
// (commit metadata, then per-file line statistics), persisted to disk in a
// versioned, checksummed format, and extended incrementally when the branch
// moves forward. An extended index equals a fresh build of the same head:
// the same commits in git log's order, with every author mapped through the
// head's .mailmap.
//
// A commit whose date git cannot read (a negative or overflowing timestamp,
// badDateOverflow in git fsck) is kept with the date UnknownTime: it counts
// in totals and unfiltered lists, and no date range selects it.
//
// An Index is immutable once built: queries may read it from many
// goroutines while a newer Index is being built.
package index

import (
	"encoding/hex"
	"path"
	"strings"
	"time"

	"github.com/gitpulse/gitpulse/internal/gitcli"
)

// UnknownTime is the AuthorTime or CommitTime of a commit whose date git
// cannot read. It sorts before every real date.
const UnknownTime = gitcli.UnknownTime

// Ident is an author or committer identity after .mailmap.
type Ident struct {
	Name  string
	Email string
}

// Index is the columnar history of one branch. All per-commit slices have
// Len() elements, indexed by position in git log order (0 = newest).
// Fields are exported for fast scanning; they must not be modified.
type Index struct {
	// ObjectFormat is the repository's hash algorithm: "sha1" or "sha256".
	ObjectFormat string
	// Branch is the branch the index describes ("" for a detached HEAD).
	Branch string
	// HashSize is the length of one binary object name: 20 or 32.
	HashSize int

	// Hashes holds the binary object names, HashSize bytes per commit.
	Hashes []byte
	// Parents is each commit's parent count (>1 for merges, 0 for roots).
	Parents []uint16
	// Author and Committer are indexes into Idents.
	Author, Committer []uint32
	// AuthorTime and CommitTime are seconds since the Unix epoch.
	AuthorTime, CommitTime []int64
	// AuthorZone is the author's UTC offset in minutes.
	AuthorZone []int16
	// SubjectOff has Len()+1 offsets into Subjects.
	SubjectOff []uint32
	// Subjects holds every subject line, concatenated.
	Subjects []byte
	// Idents are the distinct (name, email) pairs, interned.
	Idents []Ident

	// RawAuthor and RawCommitter index RawIdents, the identities as the
	// commits record them before .mailmap, so that a changed .mailmap is
	// applied to the whole history without reading it again.
	RawAuthor, RawCommitter []uint32
	// RawIdents are the distinct raw (name, email) pairs, interned.
	RawIdents []Ident
	// Mailmap is the object name of the .mailmap file at the head the
	// identities were mapped with, "" if it has none.
	Mailmap string

	// HasStats reports whether the line statistics below are filled in
	// for every commit. Until the second pass ends they are nil, or cover
	// only the newest commits (see StatsCovered).
	HasStats bool
	// StatsCovered, when HasStats is false and it is above zero, is how
	// many of the newest commits (positions [0, StatsCovered)) have their
	// line statistics read: the second pass runs newest first, and an
	// index covering a query's dates answers it exactly. The per-commit
	// columns below then have Len() entries, zero past StatsCovered.
	// Such an index is never saved with its statistics.
	StatsCovered int
	// Added, Deleted and FilesChanged are per-commit totals (zero for
	// merges, which carry no diff).
	Added, Deleted, FilesChanged []uint32
	// ChangeOff has Len()+1 offsets into the Change arrays: commit i
	// changed the files at ChangeOff[i]:ChangeOff[i+1].
	ChangeOff []uint32
	// ChangePath indexes Paths; ChangeAdded and ChangeDeleted are line
	// counts (zero for binary files).
	ChangePath, ChangeAdded, ChangeDeleted []uint32
	// Paths are the distinct file paths, interned.
	Paths []string

	// exclude is what pass 1 excluded from its head's history: the old
	// head for the new commits of an update (see Builder.Metadata), nil
	// for a whole history. Pass 2 lists the same commits.
	exclude []string

	// ext, when set, says the index is new commits on top of another,
	// which Save then writes alone.
	ext *extension

	// room, when set, is spare space in front of the columns, where an
	// update may put its commits without copying these (see room).
	room *room
}

// Len returns the number of commits.
func (x *Index) Len() int { return len(x.AuthorTime) }

// Head returns the hexadecimal name of the newest commit, or "" when the
// index is empty.
func (x *Index) Head() string {
	if x.Len() == 0 {
		return ""
	}
	return x.Hash(0)
}

// Hash returns the hexadecimal object name of commit i.
func (x *Index) Hash(i int) string {
	return hex.EncodeToString(x.Hashes[i*x.HashSize : (i+1)*x.HashSize])
}

// Subject returns the subject line of commit i.
func (x *Index) Subject(i int) string {
	return string(x.Subjects[x.SubjectOff[i]:x.SubjectOff[i+1]])
}

// DateKnown reports whether git could read commit i's author date.
func (x *Index) DateKnown(i int) bool { return x.AuthorTime[i] != UnknownTime }

// AuthorDate returns commit i's author date in the author's time zone, or
// the zero time when it is unknown.
func (x *Index) AuthorDate(i int) time.Time {
	if !x.DateKnown(i) {
		return time.Time{}
	}
	zone := time.FixedZone("", int(x.AuthorZone[i])*60)
	return time.Unix(x.AuthorTime[i], 0).In(zone)
}

// IsMerge reports whether commit i has more than one parent.
func (x *Index) IsMerge(i int) bool { return x.Parents[i] > 1 }

// Changes returns the range of commit i's file changes in the Change
// arrays; it is empty while commit i's line statistics are not read (see
// Covered).
func (x *Index) Changes(i int) (lo, hi int) {
	if i >= x.Covered() {
		return 0, 0
	}
	return int(x.ChangeOff[i]), int(x.ChangeOff[i+1])
}

// Covered returns how many of the newest commits have their line
// statistics read: Len() when HasStats, else StatsCovered.
func (x *Index) Covered() int {
	if x.HasStats {
		return x.Len()
	}
	return x.StatsCovered
}

// Extension returns the lower-case extension of path p without its dot
// ("go" for "cmd/main.go"), or "" when it has none. Dot files such as
// ".gitignore" have no extension.
func Extension(p string) string {
	base := path.Base(p)
	dot := strings.LastIndexByte(base, '.')
	if dot <= 0 {
		return ""
	}
	return strings.ToLower(base[dot+1:])
}
