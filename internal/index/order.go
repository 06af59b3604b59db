package index

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
)

// errSettled stops git rev-list once the rest of its order is known.
var errSettled = errors.New("the rest of the walk is the old one's")

// reorder finds git log's order of delta's commits (new, read with old as
// their base) and old's when git log does not list the new ones first
// (see metadata): commits of an older branch merged, or skewed clocks. It
// reads git's walk from head only until the walk is bound to go on as
// old's did, and returns the commits it listed until then (the new ones
// and old's first drop, in git's order, with delta's tables); old's
// commits after those keep their order.
//
// git log pops the newest commit (by committer date, the first queued
// first among equals) from a queue that starts with the head, and queues
// each popped commit's parents not seen before. Once it has listed every
// new commit and exactly old's first m ones, and its queue holds the same
// commits as old's walk held after those m (none reached only through new
// commits), no two of one date, both walks go on alike.
func (b *Builder) reorder(ctx context.Context, gitDir string, delta, old *Index, head string) (top *Index, drop int, err error) {
	d, n, hs := delta.Len(), delta.Len()+old.Len(), old.HashSize
	// Positions count delta's commits, then old's.
	hash := func(i int) []byte {
		if i < d {
			return delta.Hashes[i*hs : (i+1)*hs]
		}
		return old.Hashes[(i-d)*hs : (i-d+1)*hs]
	}
	// The positions of delta's commits and of old's as far as they were
	// looked for.
	pos := make(map[string]int, 4*d)
	for i := range d {
		pos[string(hash(i))] = i
	}
	scanned := d
	raw := make([]byte, hs)
	find := func(h []byte) (int, error) {
		if _, err := hex.Decode(raw, h); err != nil || len(h) != 2*hs {
			return 0, fmt.Errorf("bad commit hash %q", h)
		}
		if i, ok := pos[string(raw)]; ok {
			return i, nil
		}
		for ; scanned < n; scanned++ {
			pos[string(hash(scanned))] = scanned
			if bytes.Equal(hash(scanned), raw) {
				scanned++
				return scanned - 1, nil
			}
		}
		return 0, fmt.Errorf("git rev-list lists commit %s the index lacks", h)
	}

	var order []int
	listed := make(map[int]bool)
	queued := make(map[int]bool) // queued commit -> reached through an old one (old's head is where old's walk starts)
	onlyNew := 0                 // old commits queued only through new ones
	newListed, oldListed, oldLast := 0, 0, -1
	err = b.Git.RevList(ctx, gitDir, head, func(h, parents []byte) error {
		i, err := find(h)
		if err != nil {
			return err
		}
		if listed[i] || len(order) == n {
			return fmt.Errorf("git rev-list lists commit %s twice", h)
		}
		if viaOld, ok := queued[i]; ok {
			if !viaOld && i >= d {
				onlyNew--
			}
			delete(queued, i)
		}
		listed[i] = true
		order = append(order, i)
		if i < d {
			newListed++
		} else {
			oldListed++
			oldLast = max(oldLast, i-d)
		}
		for p := range bytes.FieldsSeq(parents) {
			j, err := find(p)
			if err != nil {
				return err
			}
			viaOld := i >= d || j == d
			if was, ok := queued[j]; ok {
				if viaOld && !was {
					queued[j] = true
					if j >= d {
						onlyNew--
					}
				}
				continue
			}
			if listed[j] {
				continue
			}
			queued[j] = viaOld
			if !viaOld && j >= d {
				onlyNew++
			}
		}
		if newListed == d && oldListed == oldLast+1 && onlyNew == 0 && distinctDates(old, queued, d) {
			return errSettled
		}
		return nil
	})
	if err != nil && !errors.Is(err, errSettled) {
		return nil, 0, fmt.Errorf("read commit order: %w", err)
	}
	if err == nil && len(order) != n {
		return nil, 0, fmt.Errorf("git rev-list lists %d commits, the index has %d", len(order), n)
	}
	drop = len(order) - d
	perm := make([]uint32, len(order))
	for k, i := range order {
		perm[k] = uint32(i)
	}
	return join(delta, spare{}, delta, old.slice(0, drop)).permute(perm), drop, nil
}

// distinctDates reports whether the queued commits, all old's (at
// position-d in old), have known committer dates, no two alike.
func distinctDates(old *Index, queued map[int]bool, d int) bool {
	seen := make(map[int64]bool, len(queued))
	for i := range queued {
		t := old.CommitTime[i-d]
		if t == UnknownTime || t <= 0 || seen[t] {
			return false
		}
		seen[t] = true
	}
	return true
}

// slice returns commits lo..hi-1 of x, sharing x's arrays and tables. Its
// offset arrays are x's own, not made to start at 0 (unless lo is 0): it
// is for join, which reads them so.
func (x *Index) slice(lo, hi int) *Index {
	y := *x
	y.ext, y.room = nil, nil
	hs := x.HashSize
	y.Hashes = x.Hashes[lo*hs : hi*hs]
	y.Parents = x.Parents[lo:hi]
	y.Author, y.Committer = x.Author[lo:hi], x.Committer[lo:hi]
	y.AuthorTime, y.AuthorZone, y.CommitTime = x.AuthorTime[lo:hi], x.AuthorZone[lo:hi], x.CommitTime[lo:hi]
	y.RawAuthor, y.RawCommitter = x.RawAuthor[lo:hi], x.RawCommitter[lo:hi]
	y.SubjectOff = x.SubjectOff[lo : hi+1]
	y.Subjects = x.Subjects[x.SubjectOff[lo]:x.SubjectOff[hi]]
	if x.HasStats {
		y.Added, y.Deleted, y.FilesChanged = x.Added[lo:hi], x.Deleted[lo:hi], x.FilesChanged[lo:hi]
		y.ChangeOff = x.ChangeOff[lo : hi+1]
		c0, c1 := x.ChangeOff[lo], x.ChangeOff[hi]
		y.ChangePath, y.ChangeAdded, y.ChangeDeleted = x.ChangePath[c0:c1], x.ChangeAdded[c0:c1], x.ChangeDeleted[c0:c1]
	}
	return &y
}
