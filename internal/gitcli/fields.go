package gitcli

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// fieldReader splits git's output into records of NUL-terminated fields
// in place, in one buffer that it refills (and grows for a record longer
// than it, up to maxToken): each field is found by one scan, and nothing is
// copied but the unread end of the buffer before a refill.
type fieldReader struct {
	r          io.Reader
	buf        []byte
	start, end int // unread bytes: buf[start:end]
	eof        bool
}

func newFieldReader(r io.Reader) *fieldReader {
	return &fieldReader{r: r, buf: make([]byte, 256<<10)}
}

// next sets f to the next record's len(f) fields, without their
// terminators, and reports false at the end of the output. The fields are
// valid until the next call.
func (fr *fieldReader) next(f [][]byte) (bool, error) {
	for {
		off, i := fr.start, 0
		for ; i < len(f); i++ {
			j := bytes.IndexByte(fr.buf[off:fr.end], 0)
			if j < 0 {
				break
			}
			f[i] = fr.buf[off : off+j]
			off += j + 1
		}
		if i == len(f) {
			fr.start = off
			return true, nil
		}
		if fr.eof {
			if len(bytes.TrimSpace(fr.buf[fr.start:fr.end])) > 0 {
				return false, errors.New("git output ends inside a record")
			}
			return false, nil
		}
		if err := fr.fill(); err != nil {
			return false, err
		}
	}
}

// fill reads more of the output after what is unread.
func (fr *fieldReader) fill() error {
	if fr.start > 0 {
		fr.end = copy(fr.buf, fr.buf[fr.start:fr.end])
		fr.start = 0
	}
	if fr.end == len(fr.buf) {
		if len(fr.buf) >= maxToken {
			return bufio.ErrTooLong
		}
		fr.buf = append(fr.buf, make([]byte, len(fr.buf))...)
	}
	n, err := fr.r.Read(fr.buf[fr.end:])
	fr.end += n
	if err == io.EOF {
		fr.eof = true
		return nil
	}
	return err
}
