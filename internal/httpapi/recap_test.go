package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/gitpulse/gitpulse/internal/auth"
	"github.com/gitpulse/gitpulse/internal/httpapi"
	"github.com/gitpulse/gitpulse/internal/providers/connect"
	"github.com/gitpulse/gitpulse/internal/recap"
	"github.com/gitpulse/gitpulse/internal/recaps"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// recapOptions enables the recap endpoints with sessions of ttl, the
// model at llmURL ("" = the built-in summariser) and providers as hosts
// says.
func recapOptions(t *testing.T, ttl time.Duration, llmURL string, hosts connect.Config) *httpapi.RecapOptions {
	t.Helper()
	signer, err := auth.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	cfg := recap.Config{} // the built-in summariser: no network
	if llmURL != "" {
		cfg = recap.Config{Provider: "openai", BaseURL: llmURL, APIKey: "test-key", Model: "test-model"}
	}
	gen, err := recap.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &httpapi.RecapOptions{Sessions: auth.NewMemoryStore(ttl), Signer: signer, Recaps: recaps.New(hosts, gen, nil), MaxFrameBytes: 4096}
}

type signIn struct {
	SessionID string `json:"session_id"`
	Token     string `json:"token"`
	Username  string `json:"username"`
}

func (s *server) post(path string, body any, out any) *http.Response {
	s.t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(s.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp
}

func (s *server) getAuth(path, token string, out any) *http.Response {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(out)
	return resp
}

// wsRecap opens the WebSocket, sends msg as JSON and collects frames
// until the end frame.
func wsRecap(t *testing.T, s *server, path string, msg any) (chunks []string, errs []string) {
	t.Helper()
	b, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	return wsSend(t, s, path, b)
}

// wsSend opens the WebSocket, sends msg as a text message and collects
// frames until the end frame, after which the server must close normally.
// Every frame is a chunk or an error, as spec 000's clients read them.
func wsSend(t *testing.T, s *server, path string, msg []byte) (chunks []string, errs []string) {
	t.Helper()
	for _, f := range wsFrames(t, s, path, msg) {
		var chunk, e string
		for key, raw := range f {
			var v *string
			switch key {
			case "chunk":
				v = &chunk
			case "error":
				v = &e
			default:
				t.Fatalf("a frame with %q, which a client that did not ask for it never gets: %v", key, f)
			}
			if err := json.Unmarshal(raw, v); err != nil {
				t.Fatalf("frame %v: %v", f, err)
			}
		}
		switch {
		case e != "":
			errs = append(errs, e)
		case chunk != "</end>":
			chunks = append(chunks, chunk)
		}
	}
	return chunks, errs
}

// wsFrames opens the WebSocket, sends msg as a text message and returns
// the frames up to the end frame (included), after which the server must
// close normally.
func wsFrames(t *testing.T, s *server, path string, msg []byte) []map[string]json.RawMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	if err := conn.Write(ctx, websocket.MessageText, msg); err != nil {
		t.Fatal(err)
	}
	var frames []map[string]json.RawMessage
	for {
		var f map[string]json.RawMessage
		if err := wsjson.Read(ctx, conn, &f); err != nil {
			t.Fatalf("read before the end frame: %v (frames %v)", err, frames)
		}
		frames = append(frames, f)
		var chunk string
		if c, ok := f["chunk"]; ok && json.Unmarshal(c, &chunk) == nil && chunk == "</end>" {
			if _, _, err := conn.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
				t.Fatalf("after the end frame: %v, want a normal close", err)
			}
			return frames
		}
	}
}

func TestRecapOverPlainGit(t *testing.T) {
	s := newServer(t, serverOpts{sessionTTL: time.Minute})
	repo := fixture(t)

	var in signIn
	if resp := s.post("/pat", map[string]string{"provider": "Git", "url": repo}, &in); resp.StatusCode != 200 || in.SessionID == "" || in.Token == "" {
		t.Fatalf("sign in: %d %+v", resp.StatusCode, in)
	}
	if strings.Contains(in.Token, in.SessionID) {
		t.Fatal("the JWT should carry the session id signed, not be built from it in plain text")
	}
	var repos struct {
		Repos []struct{ Name, URL string }
	}
	if resp := s.getAuth("/repos", in.Token, &repos); resp.StatusCode != 200 || len(repos.Repos) != 1 || repos.Repos[0].Name != "fixture" {
		t.Fatalf("repos: %d %+v", resp.StatusCode, repos)
	}
	var acts struct {
		Actions string
		Items   []struct{ Message string }
		Total   int
	}
	if resp := s.getAuth("/actions?start_date=2026-10-01&end_date=2026-10-02", in.Token, &acts); resp.StatusCode != 200 {
		t.Fatalf("actions: %d", resp.StatusCode)
	}
	if acts.Total != 2 || !strings.Contains(acts.Actions, "- [commit] fixture: feat: start") || !strings.Contains(acts.Actions, "fix: app") || strings.Contains(acts.Actions, "docs") {
		t.Fatalf("actions for 1-2 Oct: %+v", acts)
	}

	// A plain-git session needs no repo parameter: it has one repository.
	var br struct{ Branches []string }
	if resp := s.getAuth("/branches", in.Token, &br); resp.StatusCode != 200 || len(br.Branches) != 2 || br.Branches[1] != "feature" {
		t.Fatalf("branches: %d %+v", resp.StatusCode, br)
	}
	// A pull-request description from the branches alone.
	pr := map[string]any{"src": "feature", "target": br.Branches[0], "n": 1}
	if chunks, errs := wsRecap(t, s, "/ws/"+in.SessionID+"/pull_request", pr); len(errs) != 0 || !strings.Contains(strings.Join(chunks, ""), "Branch work") {
		t.Fatalf("pull request from branches: %q %q", chunks, errs)
	}
	if _, errs := wsRecap(t, s, "/ws/"+in.SessionID+"/pull_request", map[string]any{"src": "feature", "n": 1}); len(errs) != 1 || !strings.Contains(errs[0], "src and target") {
		t.Fatalf("src without target: %q", errs)
	}
	if _, errs := wsRecap(t, s, "/ws/"+in.SessionID+"/pull_request", map[string]any{"src": "gone", "target": "feature", "n": 1}); len(errs) != 1 || !strings.Contains(errs[0], "gone") {
		t.Fatalf("unknown branch: %q", errs)
	}
	var notes struct {
		Latest *struct{ Tag string } `json:"latest_release"`
		Range  struct{ Start string }
	}
	ninetyDays := time.Now().UTC().AddDate(0, 0, -90).Format(time.DateOnly)
	if resp := s.getAuth("/release_notes", in.Token, &notes); resp.StatusCode != 200 || notes.Latest != nil || notes.Range.Start != ninetyDays {
		t.Fatalf("release notes of a repository without tags: %d %+v, want the 90 days from %s", resp.StatusCode, notes, ninetyDays)
	}

	chunks, errs := wsRecap(t, s, "/ws/"+in.SessionID, map[string]any{"actions": acts.Actions, "n": 2})
	text := strings.Join(chunks, "")
	if len(errs) != 0 || strings.Count(text, "\n- ")+boolInt(strings.HasPrefix(text, "- ")) != 2 {
		t.Fatalf("recap of 2 bullets: errs %q text %q", errs, text)
	}
	// The text of /actions unchanged is summarised from its items, which
	// alone know the line counts (git show --numstat: fix: app changes 3).
	if !strings.Contains(text, "Fix: App. (1 commit, 1 file, 3 lines changed)") {
		t.Fatalf("recap of the session's /actions text, not from its items: %q", text)
	}
	// Items sent with the text are read as they are.
	var full struct{ Items []map[string]any }
	s.getAuth("/actions?start_date=2026-10-01&end_date=2026-10-02", in.Token, &full)
	chunks, errs = wsRecap(t, s, "/ws/"+in.SessionID, map[string]any{"actions": "edited", "items": full.Items[:1], "n": 5})
	if text := strings.Join(chunks, ""); len(errs) != 0 || strings.Count(text, "\n- ")+boolInt(strings.HasPrefix(text, "- ")) != 1 || !strings.Contains(text, "lines changed") {
		t.Fatalf("recap of one item sent: %q %q", text, errs)
	}
	// Edited text (today's format, no items) is read line by line.
	edited := acts.Actions + "- [commit] fixture: Add the extra widget\n"
	chunks, errs = wsRecap(t, s, "/ws/"+in.SessionID, map[string]any{"actions": edited, "n": 5})
	if text := strings.Join(chunks, ""); len(errs) != 0 || !strings.Contains(text, "Add the extra widget.") || strings.Contains(text, "lines changed") {
		t.Fatalf("recap of edited text: %q %q", text, errs)
	}
	// n out of range: an error frame, then the end frame.
	if _, errs := wsRecap(t, s, "/ws/"+in.SessionID, map[string]any{"actions": acts.Actions, "n": 16}); len(errs) != 1 {
		t.Fatalf("n=16: errors %q", errs)
	}
	// Release notes through the mode path.
	if chunks, errs := wsRecap(t, s, "/ws/"+in.SessionID+"/release", map[string]any{"actions": acts.Actions, "n": 5}); len(errs) != 0 || len(chunks) == 0 {
		t.Fatalf("release: %q %q", chunks, errs)
	}
}

// TestWebSocketBadMessage: a message that is not JSON, or JSON of the
// wrong shape, is answered like every other failure (an error frame, the
// end frame, a normal close), not by closing with 1007 and no frames.
func TestWebSocketBadMessage(t *testing.T) {
	s := newServer(t, serverOpts{sessionTTL: time.Minute})
	var in signIn
	if s.post("/clone-repo", map[string]string{"url": fixture(t)}, &in); in.SessionID == "" {
		t.Fatal("no session from /clone-repo")
	}
	for _, tc := range []struct{ name, msg, want string }{
		{"not JSON", "recap please", "must be a JSON object"},
		{"truncated JSON", `{"actions": "- x"`, "must be a JSON object"},
		{"array", `[1, 2]`, "must be a JSON object"},
		{"n a string", `{"actions": "- x", "n": "five"}`, `"n" must be a JSON number, not string`},
		{"actions a number", `{"actions": 5, "n": 3}`, `"actions" must be a JSON string, not number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chunks, errs := wsSend(t, s, "/ws/"+in.SessionID+"/recap", []byte(tc.msg))
			if len(chunks) != 0 || len(errs) != 1 || !strings.Contains(errs[0], tc.want) {
				t.Fatalf("chunks %q errors %q, want one error saying %q", chunks, errs, tc.want)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestRecapRefusals(t *testing.T) {
	s := newServer(t, serverOpts{sessionTTL: 300 * time.Millisecond})
	repo := fixture(t)
	var b httpapi.ErrorBody
	if resp := s.post("/pat", map[string]string{"provider": "bitbucket", "token": "secret"}, &b); resp.StatusCode != 400 || b.Details[0].Field != "provider" {
		t.Fatalf("unknown provider: %d %+v", resp.StatusCode, b)
	}
	if resp := s.post("/pat", map[string]string{"provider": "git", "url": "ext::sh"}, &b); resp.StatusCode != 400 || b.Details[0].Field != "url" {
		t.Fatalf("bad url: %d %+v", resp.StatusCode, b)
	}
	if resp := s.getAuth("/actions", "not-a-jwt", &b); resp.StatusCode != 401 {
		t.Fatalf("bad token: %d", resp.StatusCode)
	}
	resp, err := http.Get(s.URL + "/ws/unknownsessionid00000")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close() // left open, it held its connection past the test (goleak)
	if resp.StatusCode != 401 {
		t.Fatalf("websocket without a session: %d", resp.StatusCode)
	}

	var in signIn
	s.post("/clone-repo", map[string]string{"url": repo}, &in)
	if in.SessionID == "" {
		t.Fatal("no session from /clone-repo")
	}
	// An oversized frame: the socket is closed with 1009, no recap.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/ws/"+in.SessionID, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = wsjson.Write(ctx, conn, map[string]any{"actions": strings.Repeat("x", 10000), "n": 3})
	var f map[string]any
	if err := wsjson.Read(ctx, conn, &f); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("oversized frame: read %v %v, want close 1009", f, err)
	}
	conn.CloseNow()

	// Unused past its TTL, the session says it expired.
	time.Sleep(500 * time.Millisecond)
	if resp := s.getAuth("/actions", in.Token, &b); resp.StatusCode != 401 || !strings.Contains(b.Detail, "expired") {
		t.Fatalf("expired session: %d %+v", resp.StatusCode, b)
	}
}

// TestBearerSessionSlides: a session used only through its JWT lives on
// past SESSION_TTL while in use, like one used through its session_id, and
// ends SESSION_TTL after its last use (the JWT used to die SESSION_TTL after
// sign-in however busy the session was).
func TestBearerSessionSlides(t *testing.T) {
	const ttl = 2 * time.Second
	s := newServer(t, serverOpts{sessionTTL: ttl})
	var in signIn
	if s.post("/clone-repo", map[string]string{"url": fixture(t)}, &in); in.Token == "" {
		t.Fatal("no token from /clone-repo")
	}
	var b httpapi.ErrorBody
	for end := time.Now().Add(2 * ttl); time.Now().Before(end); time.Sleep(ttl / 4) {
		if resp := s.getAuth("/repos", in.Token, &b); resp.StatusCode != 200 {
			t.Fatalf("bearer request while the session is in use (%s left): %d %+v", time.Until(end), resp.StatusCode, b)
		}
	}
	time.Sleep(ttl + 200*time.Millisecond)
	for _, cred := range []string{"Bearer", "session_id"} {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/repos?session_id="+in.SessionID, nil)
		if cred == "Bearer" {
			req, _ = http.NewRequest(http.MethodGet, s.URL+"/repos", nil)
			req.Header.Set("Authorization", "Bearer "+in.Token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b = httpapi.ErrorBody{}
		_ = json.NewDecoder(resp.Body).Decode(&b)
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.Contains(b.Detail, "expired") {
			t.Fatalf("%s after SESSION_TTL unused: %d %+v, want 401 expired", cred, resp.StatusCode, b)
		}
	}
}

// TestClientLeavingCancelsGeneration streams from a model that sends one
// chunk and then stalls: when the WebSocket client goes away, the request
// to the model must be cancelled, not left running.
func TestClientLeavingCancelsGeneration(t *testing.T) {
	upstreamDone := make(chan struct{})
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, `data: {"id":"1","object":"chat.completion.chunk","created":1,"model":"test-model","choices":[{"index":0,"delta":{"content":"- first"},"finish_reason":null}]}`+"\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // stall until the caller gives up
		close(upstreamDone)
	}))
	defer llm.Close()
	ctx, conn := askModel(t, llm.URL+"/v1", false)
	var f struct{ Chunk string }
	if err := wsjson.Read(ctx, conn, &f); err != nil || f.Chunk == "" {
		t.Fatalf("first chunk: %+v %v", f, err)
	}
	conn.CloseNow()
	select {
	case <-upstreamDone:
	case <-time.After(10 * time.Second):
		t.Fatal("the model request was not cancelled after the client left")
	}
}

// TestFailingModel: a model that refuses the request yields an error
// frame, then the end frame, then a normal close.
func TestFailingModel(t *testing.T) {
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error": {"message": "model not found", "type": "invalid_request_error", "code": "model_not_found"}}`)
	}))
	defer llm.Close()
	ctx, conn := askModel(t, llm.URL+"/v1", false)
	var frames []map[string]string
	for {
		var f map[string]string
		err := wsjson.Read(ctx, conn, &f)
		if err != nil {
			if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
				t.Fatalf("closed with %v after %v, want a normal closure", err, frames)
			}
			break
		}
		frames = append(frames, f)
	}
	if len(frames) != 2 || frames[0]["error"] == "" || frames[1]["chunk"] != "</end>" {
		t.Fatalf("frames = %v, want an error frame then the end frame", frames)
	}
	if strings.Contains(frames[0]["error"], "test-key") {
		t.Fatalf("the error frame leaks the API key: %v", frames[0])
	}
}

// askModel signs in to a server whose model is at llmURL, opens a recap
// WebSocket and sends one request (asking for the topics frame when
// topics is true); the connection lives as long as the test.
func askModel(t *testing.T, llmURL string, topics bool) (context.Context, *websocket.Conn) {
	t.Helper()
	s := newServer(t, serverOpts{sessionTTL: time.Minute, llmURL: llmURL})
	var in signIn
	s.post("/pat", map[string]string{"provider": "git", "url": fixture(t)}, &in)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/ws/"+in.SessionID, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	if err := wsjson.Write(ctx, conn, map[string]any{"actions": "## 2026-10-01\n- [commit] x: feat: y\n", "n": 1, "topics": topics}); err != nil {
		t.Fatal(err)
	}
	return ctx, conn
}

// TestWebSocketOrigins: a browser page from an origin that is not allowed
// cannot open a recap socket; the dashboard's origin and non-browser
// clients (no Origin header) can.
func TestWebSocketOrigins(t *testing.T) {
	s := newServer(t, serverOpts{sessionTTL: time.Minute})
	var in signIn
	s.post("/clone-repo", map[string]string{"url": fixture(t)}, &in)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dial := func(origin string) (int, error) {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/ws/"+in.SessionID, &websocket.DialOptions{HTTPHeader: h})
		if conn != nil {
			conn.CloseNow()
		}
		if resp == nil {
			return 0, err
		}
		return resp.StatusCode, err
	}
	if code, err := dial("https://evil.example"); err == nil || code != http.StatusForbidden {
		t.Errorf("foreign origin: %d %v, want 403", code, err)
	}
	for _, origin := range []string{"https://app.example", ""} {
		if code, err := dial(origin); err != nil || code != http.StatusSwitchingProtocols {
			t.Errorf("origin %q: %d %v, want 101", origin, code, err)
		}
	}
}

// TestWebSocketTopicsFrame: a client that sends "topics": true gets one
// {"topics"} frame after the text and before the end frame: with the
// built-in summariser, the topic behind each bullet, numbered in order,
// whose commits (hash, subject, lines added and removed) are git's own;
// a failure sends none. Clients that do not ask get only chunks (wsSend
// fails on any other frame).
func TestWebSocketTopicsFrame(t *testing.T) {
	s := newServer(t, serverOpts{sessionTTL: time.Minute})
	r := testrepo.New(t)
	at := func(h int) time.Time { return time.Date(2026, 10, 1, h, 0, 0, 0, time.UTC) }
	r.Commit(testrepo.Commit{Date: at(9), Message: "fix(parse): accept an empty input", Files: map[string][]byte{"parse.c": []byte("a\nb\n")}})
	r.Commit(testrepo.Commit{Date: at(10), Message: "fix(parse): reject a NUL byte", Files: map[string][]byte{"parse.c": []byte("a\nc\nd\n")}})
	r.Commit(testrepo.Commit{Date: at(11), Message: `feat: show <img src=x onerror=alert(1)> "as text"`, Files: map[string][]byte{"ui.js": []byte("x\n")}})
	bare := t.TempDir() + "/topics.git"
	if _, err := testrepo.Run(r.Dir, nil, nil, "clone", "-q", "--bare", r.Dir, bare); err != nil {
		t.Fatal(err)
	}
	var in signIn
	s.post("/clone-repo", map[string]string{"url": testrepo.ServeHTTP(t, bare)}, &in)
	var acts struct{ Actions string }
	if resp := s.getAuth("/actions?start_date=2026-10-01&end_date=2026-10-01", in.Token, &acts); resp.StatusCode != 200 {
		t.Fatalf("actions: %d", resp.StatusCode)
	}
	ask := func(n int) []map[string]json.RawMessage {
		msg, _ := json.Marshal(map[string]any{"actions": acts.Actions, "n": n, "topics": true})
		return wsFrames(t, s, "/ws/"+in.SessionID, msg)
	}

	frames := ask(5)
	var text strings.Builder
	for _, f := range frames[:len(frames)-2] {
		var chunk string
		if err := json.Unmarshal(f["chunk"], &chunk); err != nil || len(f) != 1 {
			t.Fatalf("frame %v before the topics: want a chunk", f)
		}
		text.WriteString(chunk)
	}
	var topics []recap.Topic
	if raw, ok := frames[len(frames)-2]["topics"]; !ok || len(frames[len(frames)-2]) != 1 || json.Unmarshal(raw, &topics) != nil {
		t.Fatalf("the frame before the end is %v, want {\"topics\": [...]}", frames[len(frames)-2])
	}
	bullets := strings.Count("\n"+text.String(), "\n- ")
	if len(topics) != 2 || bullets != len(topics) {
		t.Fatalf("%d topics for %d bullets in %q, want 2 (the parse cluster and the feature)", len(topics), bullets, text.String())
	}
	seen := 0
	for i, tp := range topics {
		if tp.Bullet != i+1 {
			t.Errorf("topic %d tied to bullet %d", i+1, tp.Bullet)
		}
		var add, del int
		for _, c := range tp.Commits {
			// git's own subject and line counts of the commit.
			if got := strings.TrimSpace(r.Git("log", "-1", "--format=%s", c.SHA)); got != c.Subject {
				t.Errorf("commit %s: subject %q, git says %q", c.SHA, c.Subject, got)
			}
			var a, d int
			for line := range strings.Lines(strings.TrimSpace(r.Git("show", "--numstat", "--format=", c.SHA))) {
				var x, y int
				if _, err := fmt.Sscanf(line, "%d\t%d", &x, &y); err != nil {
					t.Fatalf("numstat %q: %v", line, err)
				}
				a, d = a+x, d+y
			}
			if c.Additions != a || c.Deletions != d {
				t.Errorf("commit %s: +%d -%d, git says +%d -%d", c.SHA, c.Additions, c.Deletions, a, d)
			}
			add, del = add+a, del+d
			seen++
		}
		if tp.Additions != add || tp.Deletions != del {
			t.Errorf("topic %q: +%d -%d, its commits +%d -%d", tp.Title, tp.Additions, tp.Deletions, add, del)
		}
	}
	if want := len(strings.Fields(r.Git("log", "--format=%H"))); seen != want {
		t.Errorf("the topics hold %d commits, git lists %d", seen, want)
	}
	if topics[0].Kind != "subsystem" || topics[0].Subsystem != "parse" || len(topics[0].Commits) != 2 {
		t.Errorf("the biggest topic %+v, want the parse cluster of 2 commits", topics[0])
	}

	// A failure: the error frame, the end frame, no topics.
	frames = ask(16)
	if len(frames) != 2 || frames[0]["error"] == nil {
		t.Errorf("n=16 with topics: frames %v, want an error frame, then the end frame", frames)
	}
}

// TestWebSocketTopicsOfAModel: when a model writes the text, the topics
// frame lists the activity's topics with no bullet: the model's bullets
// are its own, and no mapping is made up.
func TestWebSocketTopicsOfAModel(t *testing.T) {
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, `data: {"id":"1","object":"chat.completion.chunk","created":1,"model":"test-model","choices":[{"index":0,"delta":{"content":"- y, as a model says it"},"finish_reason":"stop"}]}`+"\n\ndata: [DONE]\n\n")
	}))
	defer llm.Close()
	ctx, conn := askModel(t, llm.URL+"/v1", true)
	var frames []map[string]json.RawMessage
	for {
		var f map[string]json.RawMessage
		if err := wsjson.Read(ctx, conn, &f); err != nil {
			if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
				t.Fatalf("closed with %v after %v", err, frames)
			}
			break
		}
		frames = append(frames, f)
	}
	if len(frames) != 3 || string(frames[0]["chunk"]) != `"- y, as a model says it"` || frames[1]["topics"] == nil {
		t.Fatalf("frames %v, want the model's chunk, the topics, the end", frames)
	}
	var topics []map[string]any
	if err := json.Unmarshal(frames[1]["topics"], &topics); err != nil {
		t.Fatal(err)
	}
	if len(topics) != 1 || topics[0]["title"] != "feat: y" || topics[0]["repo"] != "x" {
		t.Fatalf("topics %v, want the one commit the model read", topics)
	}
	if _, ok := topics[0]["bullet"]; ok {
		t.Errorf("a topic tied to a bullet the model wrote: %v", topics[0])
	}
}
