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

// defaultOpenAIBaseURL is OpenAI's own API, used when Config.BaseURL is empty.
const defaultOpenAIBaseURL = "https://api.openai.com/v1"

// openAIClient streams chat completions from any OpenAI-compatible API
// (POST {base}/chat/completions with "stream": true).
type openAIClient struct {
	http *http.Client
	cfg  Config
	url  string
}

func newOpenAIClient(cfg Config, client *http.Client) *openAIClient {
	base := cmp.Or(cfg.BaseURL, defaultOpenAIBaseURL)
	return &openAIClient{http: client, cfg: cfg, url: strings.TrimSuffix(base, "/") + "/chat/completions"}
}

// openAIChunk is the part of a chat.completion.chunk event read here; a
// compatible server may send an error object instead.
type openAIChunk struct {
	apiError
	Choices []struct {
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
}

// Stream implements Streamer.
func (c *openAIClient) Stream(ctx context.Context, system, user string, emit func(string) error) error {
	type message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	body := struct {
		Model       string    `json:"model"`
		Messages    []message `json:"messages"`
		Temperature float64   `json:"temperature"`
		MaxTokens   int       `json:"max_tokens"`
		Stream      bool      `json:"stream"`
	}{c.cfg.Model, []message{{"system", system}, {"user", user}}, c.cfg.Temperature, c.cfg.MaxTokens, true}
	header := http.Header{}
	if c.cfg.APIKey != "" { // local servers take none
		header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	finished := false
	err := streamRequest(ctx, c.http, ProviderOpenAI, c.cfg.APIKey, c.url, header, body, func(ev event) (bool, error) {
		if ev.data == "[DONE]" {
			return true, nil
		}
		var chunk openAIChunk
		if err := json.Unmarshal([]byte(ev.data), &chunk); err != nil {
			return false, fmt.Errorf("openai stream: bad chunk: %w", err)
		}
		if msg := chunk.message(c.cfg.APIKey); msg != "" {
			return false, errors.New("openai stream: " + msg)
		}
		for _, choice := range chunk.Choices {
			if choice.Delta.Content != "" {
				if err := emit(choice.Delta.Content); err != nil {
					return false, err
				}
			}
			if choice.FinishReason != nil && *choice.FinishReason != "" {
				finished = true
			}
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	if !finished {
		return errors.New("openai stream: ended before the model finished")
	}
	return nil
}
