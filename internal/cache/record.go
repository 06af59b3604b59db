package cache

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"
)

// A segment file is segmentMagic followed by records, each
//
//	header (recordHeaderLen bytes, little endian):
//	  stored at    int64, Unix nanoseconds
//	  key length   uint32, at most maxStoreKey
//	  value length uint32, at most MaxValueBytes
//	  value CRC    uint32, CRC-32C of the value
//	  header CRC   uint32, CRC-32C of the 20 bytes before it and the key
//	key, value
//
// The header CRC lets a file be indexed without reading its values; the
// value CRC is checked when a value is read.
var segmentMagic = []byte("gpcache\x01")

const (
	recordHeaderLen = 24
	// maxStoreKey bounds a stored key: storeKey makes a 2-byte prefix and
	// at most maxPlainKey bytes or 64 hex digits.
	maxStoreKey = 2 + max(maxPlainKey, 64)
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errDamaged is wrapped by every error about bytes that do not decode.
var errDamaged = errors.New("damaged")

// recordInfo is what indexing learns of a record.
type recordInfo struct {
	key      string
	off      int64 // of its header in the file
	length   int64 // header, key and value
	storedAt time.Time
}

// encodeRecord returns the record of key and value.
func encodeRecord(key string, value []byte, storedAt time.Time) []byte {
	rec := make([]byte, recordHeaderLen, recordHeaderLen+len(key)+len(value))
	binary.LittleEndian.PutUint64(rec[0:], uint64(storedAt.UnixNano()))
	binary.LittleEndian.PutUint32(rec[8:], uint32(len(key)))
	binary.LittleEndian.PutUint32(rec[12:], uint32(len(value)))
	binary.LittleEndian.PutUint32(rec[16:], crc32.Checksum(value, castagnoli))
	rec = append(rec, key...)
	binary.LittleEndian.PutUint32(rec[20:], headerCRC(rec[:20], []byte(key)))
	return append(rec, value...)
}

func headerCRC(fields, key []byte) uint32 {
	return crc32.Update(crc32.Checksum(fields, castagnoli), castagnoli, key)
}

// parseHeader checks a record header and the key after it (in key, which
// may hold more) and returns the record's key, value length and time.
func parseHeader(hdr, key []byte) (k []byte, valueLen int64, storedAt time.Time, err error) {
	keyLen := binary.LittleEndian.Uint32(hdr[8:])
	valueLen = int64(binary.LittleEndian.Uint32(hdr[12:]))
	if keyLen == 0 || keyLen > maxStoreKey || valueLen > MaxValueBytes {
		return nil, 0, time.Time{}, fmt.Errorf("%w: record lengths out of range", errDamaged)
	}
	if int64(len(key)) < int64(keyLen) {
		return nil, 0, time.Time{}, fmt.Errorf("%w: record cut short", errDamaged)
	}
	k = key[:keyLen]
	if headerCRC(hdr[:20], k) != binary.LittleEndian.Uint32(hdr[20:]) {
		return nil, 0, time.Time{}, fmt.Errorf("%w: record header checksum mismatch", errDamaged)
	}
	return k, valueLen, time.Unix(0, int64(binary.LittleEndian.Uint64(hdr[0:]))), nil
}

// decodeRecord returns the value of the record rec (as read from its
// location), checking that it is whole and holds key.
func decodeRecord(rec []byte, key string) ([]byte, error) {
	if len(rec) < recordHeaderLen {
		return nil, fmt.Errorf("%w: record cut short", errDamaged)
	}
	k, valueLen, _, err := parseHeader(rec[:recordHeaderLen], rec[recordHeaderLen:])
	if err != nil {
		return nil, err
	}
	value := rec[recordHeaderLen+len(k):]
	switch {
	case string(k) != key:
		return nil, fmt.Errorf("%w: record holds another key", errDamaged)
	case int64(len(value)) != valueLen:
		return nil, fmt.Errorf("%w: record length mismatch", errDamaged)
	case crc32.Checksum(value, castagnoli) != binary.LittleEndian.Uint32(rec[16:]):
		return nil, fmt.Errorf("%w: value checksum mismatch", errDamaged)
	}
	return value, nil
}

// readSegment calls visit for each record of the segment file r of size
// bytes, in order, reading headers and keys but not values. It fails,
// wrapping errDamaged, unless the file is segmentMagic followed by whole
// records whose headers check out.
func readSegment(r io.ReaderAt, size int64, visit func(recordInfo)) error {
	magic := make([]byte, len(segmentMagic))
	if _, err := r.ReadAt(magic, 0); err != nil || !bytes.Equal(magic, segmentMagic) {
		return fmt.Errorf("%w: not a cache segment", errDamaged)
	}
	buf := make([]byte, recordHeaderLen+maxStoreKey)
	for off := int64(len(segmentMagic)); off < size; {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read cache segment: %w", err)
		}
		if n < recordHeaderLen {
			return fmt.Errorf("%w: record cut short", errDamaged)
		}
		k, valueLen, storedAt, err := parseHeader(buf[:recordHeaderLen], buf[recordHeaderLen:n])
		if err != nil {
			return err
		}
		length := recordHeaderLen + int64(len(k)) + valueLen
		if length > size-off {
			return fmt.Errorf("%w: record cut short", errDamaged)
		}
		visit(recordInfo{key: string(k), off: off, length: length, storedAt: storedAt})
		off += length
	}
	return nil
}
