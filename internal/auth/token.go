package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// issuer is the iss claim of every session token.
	issuer = "gitpulse"
	// maxTokenLen bounds the tokens Parse will look at; ours are ~200 bytes.
	maxTokenLen = 2048
)

// Signer issues and checks session tokens: HS256 JWTs whose subject is a
// session id. A token has no expiry of its own: it is good exactly as long
// as its session, which the Store ends SESSION_TTL after its last use
// (whether the client used the token or the raw id), so a session in use
// never dies under its token.
type Signer struct {
	key    []byte
	parser *jwt.Parser
}

// NewSigner returns a Signer using secretKey (SECRET_KEY), which must be at
// least MinSecretKeyLen bytes long.
func NewSigner(secretKey []byte) (*Signer, error) {
	if len(secretKey) < MinSecretKeyLen {
		return nil, fmt.Errorf("session signing key is %d bytes; it must be at least %d", len(secretKey), MinSecretKeyLen)
	}
	return &Signer{
		key: append([]byte(nil), secretKey...),
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(issuer),
		),
	}, nil
}

// Issue returns a token naming sessionID, without an expiry: the session's
// own sliding expiry in the Store decides how long it is good for.
func (s *Signer) Issue(sessionID string) (string, error) {
	claims := jwt.RegisteredClaims{
		Subject:  sessionID,
		Issuer:   issuer,
		IssuedAt: jwt.NewNumericDate(time.Now()),
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("sign session token: %w", err)
	}
	return tok, nil
}

// Parse checks token and returns the session id it carries; the caller
// still asks the Store whether that session lives. It returns ErrExpired
// for a token past an expiry it carries (tokens issued before tokens
// stopped carrying one) and an error wrapping ErrInvalidToken for anything
// else that is wrong with it: only HS256 under this Signer's key, from
// issuer "gitpulse", with a subject, is accepted.
func (s *Signer) Parse(token string) (sessionID string, err error) {
	if len(token) > maxTokenLen {
		return "", fmt.Errorf("%w: too long", ErrInvalidToken)
	}
	var claims jwt.RegisteredClaims
	_, err = s.parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) {
		return s.key, nil
	})
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "", ErrExpired
	case err != nil:
		// jwt's errors describe the failure, never the token's contents.
		return "", fmt.Errorf("%w: %w", ErrInvalidToken, err)
	case claims.Subject == "":
		return "", fmt.Errorf("%w: no subject", ErrInvalidToken)
	}
	return claims.Subject, nil
}

// SessionFromRequest finds the session id of r: from an
// "Authorization: Bearer <jwt>" header, else a session_id query parameter
// (the raw id), else a token query parameter (a jwt). It returns
// ErrNotFound when there is none, and Parse's errors for a bad token.
func SessionFromRequest(r *http.Request, signer *Signer) (id string, err error) {
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return signer.Parse(strings.TrimSpace(tok))
	}
	q := r.URL.Query()
	if id := q.Get("session_id"); id != "" {
		if !validID(id) {
			return "", ErrNotFound
		}
		return id, nil
	}
	if tok := q.Get("token"); tok != "" {
		return signer.Parse(tok)
	}
	return "", ErrNotFound
}
