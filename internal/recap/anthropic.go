package recap

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Anthropic's API address, used when Config.BaseURL is empty, and the
// version of the Messages API spoken here.
const (
	defaultAnthropicBaseURL = "https://api.anthropic.com"
	anthropicVersion        = "2023-06-01"
)

// anthropicClient streams from the Anthropic Messages API
// (POST {base}/v1/messages with "stream": true).
type anthropicClient struct {
	http *http.Client
	cfg  Config
	url  string
}

func newAnthropicClient(cfg Config, client *http.Client) *anthropicClient {
	base := cmp.Or(cfg.BaseURL, defaultAnthropicBaseURL)
	return &anthropicClient{http: client, cfg: cfg, url: strings.TrimSuffix(base, "/") + "/v1/messages"}
}

// anthropicEvent is the part of a Messages stream event read here.
type anthropicEvent struct {
	apiError
	Type  string `json:"type"`
	Delta struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"delta"`
}

// anthropicErrorStatus is the HTTP status Anthropic documents for each
// error type, so that an error event before the first chunk (an
// overloaded API, say) is retried like the same refusal in the headers.
var anthropicErrorStatus = map[string]int{
	"rate_limit_error": http.StatusTooManyRequests,
	"api_error":        http.StatusInternalServerError,
	"overloaded_error": 529,
}

// Stream implements Streamer.
func (c *anthropicClient) Stream(ctx context.Context, system, user string, emit func(string) error) error {
	type text struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	type message struct {
		Role    string `json:"role"`
		Content []text `json:"content"`
	}
	body := struct {
		Model       string    `json:"model"`
		MaxTokens   int       `json:"max_tokens"`
		Temperature float64   `json:"temperature"`
		System      []text    `json:"system"`
		Messages    []message `json:"messages"`
		Stream      bool      `json:"stream"`
	}{c.cfg.Model, c.cfg.MaxTokens, c.cfg.Temperature, []text{{"text", system}},
		[]message{{"user", []text{{"text", user}}}}, true}
	header := http.Header{}
	header.Set("X-Api-Key", c.cfg.APIKey)
	header.Set("Anthropic-Version", anthropicVersion)
	stopped := false
	err := streamRequest(ctx, c.http, ProviderAnthropic, c.cfg.APIKey, c.url, header, body, func(ev event) (bool, error) {
		var e anthropicEvent
		if err := json.Unmarshal([]byte(ev.data), &e); err != nil {
			return false, fmt.Errorf("anthropic stream: bad event: %w", err)
		}
		switch cmp.Or(ev.name, e.Type) {
		case "content_block_delta":
			if e.Delta.Type == "text_delta" && e.Delta.Text != "" {
				return false, emit(e.Delta.Text)
			}
		case "message_stop":
			stopped = true
			return true, nil
		case "error":
			cause := errors.New(cmp.Or(e.message(c.cfg.APIKey), "error event"))
			if e.Error != nil && anthropicErrorStatus[e.Error.Type] != 0 {
				return false, &StatusError{Provider: ProviderAnthropic, StatusCode: anthropicErrorStatus[e.Error.Type], err: cause}
			}
			return false, fmt.Errorf("anthropic stream: %w", cause)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	if !stopped {
		return errors.New("anthropic stream: ended before message_stop")
	}
	return nil
}
