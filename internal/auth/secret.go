package auth

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
)

// MinSecretKeyLen is the shortest SECRET_KEY accepted, in bytes.
const MinSecretKeyLen = 32

// devKey is the random key of this process in development mode, made once
// so that every user of it (Signer, RedisStore) agrees.
var devKey = sync.OnceValue(func() []byte {
	b := make([]byte, MinSecretKeyLen)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return b
})

// SecretKeyFromEnv returns SECRET_KEY as read by getenv (os.Getenv in
// production). It must be at least MinSecretKeyLen bytes. When it is unset
// and devMode is true, it returns a random key made once per process and
// generated=true: the caller should warn that sessions will not survive a
// restart nor be shared between processes.
func SecretKeyFromEnv(getenv func(string) string, devMode bool) (key []byte, generated bool, err error) {
	v := getenv("SECRET_KEY")
	switch {
	case v == "" && devMode:
		return append([]byte(nil), devKey()...), true, nil
	case v == "":
		return nil, false, errors.New("SECRET_KEY is not set; set it to a random string of at least 32 bytes")
	case len(v) < MinSecretKeyLen:
		return nil, false, fmt.Errorf("SECRET_KEY is %d bytes; it must be at least %d", len(v), MinSecretKeyLen)
	}
	return []byte(v), false, nil
}
