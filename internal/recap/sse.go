package recap

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// event is one server-sent event: its type (the "event" field, "" if
// none) and its data lines joined by newlines.
type event struct {
	name, data string
}

// maxEventLine bounds one line of a model's event stream.
const maxEventLine = 4 << 20

// readEvents parses r as a text/event-stream (the WHATWG HTML standard's
// "Server-sent events" section) and calls fn for each event in order,
// until fn reports done or fails, or r ends. Lines end in CRLF, LF or CR;
// comments and the id and retry fields are ignored (a model's stream is
// never resumed); an event not closed by a blank line before the end is
// dropped, as the standard says.
func readEvents(r io.Reader, fn func(event) (done bool, err error)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxEventLine)
	sc.Split(splitLines)
	var name string
	var data strings.Builder
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			line, first = strings.TrimPrefix(line, "\uFEFF"), false
		}
		if line == "" {
			if data.Len() > 0 {
				done, err := fn(event{name: name, data: strings.TrimSuffix(data.String(), "\n")})
				if done || err != nil {
					return err
				}
			}
			name = ""
			data.Reset()
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			name = value
		case "data":
			data.WriteString(value)
			data.WriteByte('\n')
		}
	}
	return sc.Err()
}

// splitLines is a bufio.SplitFunc for lines ending in CRLF, LF or CR.
func splitLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	i := bytes.IndexAny(data, "\r\n")
	switch {
	case i < 0 && atEOF && len(data) > 0:
		return len(data), data, nil
	case i < 0:
		return 0, nil, nil
	case data[i] == '\n':
		return i + 1, data[:i], nil
	case i+1 < len(data):
		if data[i+1] == '\n' {
			return i + 2, data[:i], nil
		}
		return i + 1, data[:i], nil
	case atEOF:
		return i + 1, data[:i], nil
	}
	return 0, nil, nil // a CR at the end of data: wait for a possible LF
}

// apiError is the error body of both APIs: {"error": {"type", "message"}}.
type apiError struct {
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// message returns the error's text with key masked, or "" if body holds
// none. Some APIs quote part of a rejected key back.
func (e apiError) message(key string) string {
	if e.Error == nil {
		return ""
	}
	msg := strings.Trim(e.Error.Type+": "+e.Error.Message, ": ")
	if key != "" { // before shortening, which could cut a key in two
		msg = strings.ReplaceAll(msg, key, "[redacted]")
	}
	if len(msg) > 300 {
		msg = strings.ToValidUTF8(msg[:300], "") + "..."
	}
	return msg
}

// streamRequest posts body as JSON to url with header and reads the
// answer's events with fn (see readEvents). An error from fn is returned
// as is; an answer other than 2xx is a *StatusError carrying the API's
// message (key masked); a cancelled ctx is returned as ctx's error.
func streamRequest(ctx context.Context, client *http.Client, provider, key, url string, header http.Header, body any, fn func(event) (bool, error)) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("%s: encode request: %w", provider, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("%s: %w", provider, err)
	}
	req.Header = header
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%s: %w", provider, err)
	}
	defer func() { _ = resp.Body.Close() }() // read, not written: its Close has nothing to report
	if resp.StatusCode/100 != 2 {
		var e apiError
		_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e) // the body may be empty or not JSON
		var cause error
		if msg := e.message(key); msg != "" {
			cause = errors.New(msg)
		}
		return newStatusError(provider, resp, cause)
	}
	var fnErr error
	err = readEvents(resp.Body, func(ev event) (bool, error) {
		done, err := fn(ev)
		fnErr = err
		return done, err
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%s stream: %w", provider, err)
	}
	return nil
}
