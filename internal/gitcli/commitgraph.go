package gitcli

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// CommitGraphSize returns how many commits the repository's commit-graph
// holds (one file, or the sum over a split chain), read from the files'
// fan-out tables without a history walk; 0 when there is no commit-graph
// or it cannot be read. It counts every commit the graph was written for
// (all refs when written with --reachable), so it is an upper estimate of
// the commits reachable from one branch, good for progress, not an answer.
func (g *Git) CommitGraphSize(ctx context.Context, gitDir string) int {
	out, err := g.Command(gitDir).Args("rev-parse", "--git-path", "objects/info").Output(ctx)
	if err != nil {
		return 0
	}
	info := strings.TrimSpace(string(out))
	if !filepath.IsAbs(info) {
		info = filepath.Join(gitDir, info)
	}
	if n := graphFileSize(filepath.Join(info, "commit-graph")); n > 0 {
		return n
	}
	chain, err := os.Open(filepath.Join(info, "commit-graphs", "commit-graph-chain"))
	if err != nil {
		return 0
	}
	defer func() { _ = chain.Close() }() // opened read-only: Close has nothing to report
	total := 0
	sc := bufio.NewScanner(chain)
	for sc.Scan() {
		hash := strings.TrimSpace(sc.Text())
		if hash == "" || strings.ContainsAny(hash, `/\.`) {
			return 0
		}
		n := graphFileSize(filepath.Join(info, "commit-graphs", "graph-"+hash+".graph"))
		if n == 0 {
			return 0
		}
		total += n
	}
	return total
}

// graphFileSize reads the number of commits in one commit-graph file: the
// last entry of its OID fan-out chunk (git's gitformat-commit-graph: an
// 8-byte header "CGPH", version, hash version, chunk count, base count;
// then the chunk table of 4-byte ids and 8-byte offsets). 0 if unreadable.
func graphFileSize(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }() // opened read-only: Close has nothing to report
	var head [8]byte
	if _, err := io.ReadFull(f, head[:]); err != nil || string(head[:4]) != "CGPH" || head[4] != 1 {
		return 0
	}
	chunks := int(head[6])
	table := make([]byte, 12*(chunks+1))
	if _, err := io.ReadFull(f, table); err != nil {
		return 0
	}
	for i := range chunks {
		entry := table[12*i:]
		if string(entry[:4]) != "OIDF" {
			continue
		}
		off := int64(binary.BigEndian.Uint64(entry[4:12]))
		var last [4]byte
		if _, err := f.ReadAt(last[:], off+255*4); err != nil {
			return 0
		}
		return int(binary.BigEndian.Uint32(last[:]))
	}
	return 0
}
