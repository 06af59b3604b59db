package httpapi

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/gitpulse/gitpulse/internal/fault"
)

// oauthCookie holds a GitHub sign-in started by GET /login/github until
// its callback: the state, the PKCE verifier and where to go afterwards.
// It is HttpOnly, limited to the callback's path and ten minutes, and
// SameSite=Lax, so it comes back only on the top-level redirect from
// GitHub to the callback.
const oauthCookie = "gitpulse_oauth"

// oauthStart is GET /login/github: it redirects to GitHub's authorize
// page with a fresh state and a PKCE challenge (S256), and keeps both in
// a cookie for the callback to check. ?return=/path makes the callback
// send the browser back to that path of this server, with the session in
// the URL fragment (#session_id=...&token=...), instead of answering JSON.
func (ra *recapAPI) oauthStart(w http.ResponseWriter, r *http.Request) {
	if ra.opts.OAuth == nil {
		WriteFailure(w, r, ra.log, errNoOAuth)
		return
	}
	back := r.URL.Query().Get("return")
	if back != "" && !localPath(back) {
		WriteFailure(w, r, ra.log, fault.Fields(fault.FieldError{Field: "return", Message: "must be a path on this server, like /"}))
		return
	}
	state := randomToken()
	verifier := oauth2.GenerateVerifier()
	http.SetCookie(w, &http.Cookie{
		Name:     oauthCookie,
		Value:    url.Values{"state": {state}, "verifier": {verifier}, "return": {back}}.Encode(),
		Path:     "/external-signup",
		MaxAge:   600,
		HttpOnly: true,
		Secure:   r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https",
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, ra.opts.OAuth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// oauthFlow is a sign-in started by oauthStart, as its cookie tells.
type oauthFlow struct {
	verifier string
	back     string // where the browser goes afterwards; "" answers JSON
}

// oauthCheck checks the callback's state against the cookie of the flow
// oauthStart began, and ends that cookie. A callback with neither state nor
// cookie is spec 000's flow, where the front end began the sign-in itself
// and keeps its own state: it returns a zero flow. Anything else (a state
// and no cookie, a cookie and no state, two states that differ) is a
// forged or stale callback, refused.
func oauthCheck(w http.ResponseWriter, r *http.Request) (oauthFlow, error) {
	state := r.URL.Query().Get("state")
	c, err := r.Cookie(oauthCookie)
	if err != nil && state == "" {
		return oauthFlow{}, nil
	}
	http.SetCookie(w, &http.Cookie{Name: oauthCookie, Path: "/external-signup", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	stale := fault.New(fault.Invalid, "this sign-in does not match the one this browser started (or it is older than 10 minutes): start again at /login/github")
	if err != nil {
		return oauthFlow{}, stale
	}
	kept, err := url.ParseQuery(c.Value)
	if err != nil || state == "" || kept.Get("verifier") == "" || subtle.ConstantTimeCompare([]byte(state), []byte(kept.Get("state"))) != 1 {
		return oauthFlow{}, stale
	}
	back := kept.Get("return")
	if !localPath(back) {
		back = ""
	}
	return oauthFlow{verifier: kept.Get("verifier"), back: back}, nil
}

// localPath reports whether p is a path on this server (not another
// host's URL, not a scheme-relative //host).
func localPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.HasPrefix(p, `/\`) && !strings.ContainsAny(p, "\r\n")
}

// randomToken returns 32 random bytes, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
