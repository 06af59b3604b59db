package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MinSecretKeyLen is the shortest secret key accepted, in bytes.
const MinSecretKeyLen = 32

// KeyFileName is the file in the data directory that holds the generated
// secret key of a server started without SECRET_KEY.
const KeyFileName = "secret.key"

// LoadOrCreateKey returns the secret key kept in the file at path,
// creating it the first time: 32 random bytes written as 64 hexadecimal
// digits (usable as SECRET_KEY as they are), mode 0600, written to a
// temporary file and linked into place, so that the file is whole or
// absent and two servers starting at once agree on one key. created says
// whether this call made it.
//
// A key file that is not 64 hexadecimal digits, or that others may read,
// is an error saying what to do rather than replaced: replacing it would
// end every session, and an operator may have put it there.
func LoadOrCreateKey(path string) (key []byte, created bool, err error) {
	key, err = readKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("secret key: %w", err)
	}
	f, err := os.CreateTemp(dir, ".secret-*.tmp")
	if err != nil {
		return nil, false, fmt.Errorf("secret key: %w", err)
	}
	tmp := f.Name()
	// Once linked (or failed) the temporary name is not needed; one left
	// behind (0600, like the key) is harmless.
	defer func() { _ = os.Remove(tmp) }()
	raw := make([]byte, MinSecretKeyLen)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails (Go 1.24+).
	key = []byte(hex.EncodeToString(raw))
	_, werr := f.Write(append(key, '\n'))
	serr := f.Sync()
	if err := errors.Join(werr, serr, f.Close()); err != nil {
		return nil, false, fmt.Errorf("secret key: write %s: %w", tmp, err)
	}
	// CreateTemp made the file 0600. Link fails if another process put a
	// key there meanwhile: then that one is the key.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			key, err = readKey(path)
			return key, false, err
		}
		return nil, false, fmt.Errorf("secret key: %w", err)
	}
	return key, true, nil
}

// readKey reads and checks a key file.
func readKey(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret key file %s may be read by others (mode %04o): run chmod 600 on it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	key := strings.TrimSpace(string(b))
	if _, err := hex.DecodeString(key); err != nil || len(key) != 2*MinSecretKeyLen {
		return nil, fmt.Errorf("secret key file %s is damaged (want %d hexadecimal digits): delete it to have a new key made (sessions signed with the old one end), or set SECRET_KEY", path, 2*MinSecretKeyLen)
	}
	return []byte(key), nil
}
