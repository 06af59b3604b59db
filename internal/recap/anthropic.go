package recap

import (
	"context"
	"errors"
	"fmt"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
)

// anthropicClient streams from the Anthropic Messages API.
type anthropicClient struct {
	client anthropic.Client
	cfg    Config
}

func newAnthropicClient(cfg Config) *anthropicClient {
	opts := []option.RequestOption{option.WithAPIKey(cfg.APIKey), option.WithMaxRetries(0)}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	return &anthropicClient{client: anthropic.NewClient(opts...), cfg: cfg}
}

// Stream implements Streamer.
func (c *anthropicClient) Stream(ctx context.Context, system, user string, emit func(string) error) error {
	params := anthropic.MessageNewParams{
		Model:       anthropic.Model(c.cfg.Model),
		MaxTokens:   int64(c.cfg.MaxTokens),
		Temperature: anthropic.Float(c.cfg.Temperature),
		System:      []anthropic.TextBlockParam{{Text: system}},
		Messages:    []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(user))},
	}
	stream := c.client.Messages.NewStreaming(ctx, params)
	defer stream.Close()
	stopped := false
	for stream.Next() {
		switch ev := stream.Current().AsAny().(type) {
		case anthropic.ContentBlockDeltaEvent:
			if d, ok := ev.Delta.AsAny().(anthropic.TextDelta); ok && d.Text != "" {
				if err := emit(d.Text); err != nil {
					return err
				}
			}
		case anthropic.MessageStopEvent:
			stopped = true
		}
	}
	if err := stream.Err(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var apiErr *anthropic.Error
		if errors.As(err, &apiErr) {
			return newStatusError(ProviderAnthropic, apiErr.Response, apiErr.StatusCode, err)
		}
		return fmt.Errorf("anthropic stream: %w", err)
	}
	if !stopped {
		return errors.New("anthropic stream: ended before message_stop")
	}
	return nil
}
