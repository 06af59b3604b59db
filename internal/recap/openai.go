package recap

import (
	"context"
	"errors"
	"fmt"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// openAIClient streams chat completions from any OpenAI-compatible API.
type openAIClient struct {
	client openai.Client
	cfg    Config
}

func newOpenAIClient(cfg Config) *openAIClient {
	opts := []option.RequestOption{option.WithAPIKey(cfg.APIKey), option.WithMaxRetries(0)}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	return &openAIClient{client: openai.NewClient(opts...), cfg: cfg}
}

// Stream implements Streamer.
func (c *openAIClient) Stream(ctx context.Context, system, user string, emit func(string) error) error {
	params := openai.ChatCompletionNewParams{
		Model: c.cfg.Model,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage(system),
			openai.UserMessage(user),
		},
		Temperature: openai.Float(c.cfg.Temperature),
		MaxTokens:   openai.Int(int64(c.cfg.MaxTokens)),
	}
	stream := c.client.Chat.Completions.NewStreaming(ctx, params)
	defer stream.Close()
	finished := false
	for stream.Next() {
		for _, choice := range stream.Current().Choices {
			if choice.Delta.Content != "" {
				if err := emit(choice.Delta.Content); err != nil {
					return err
				}
			}
			if choice.FinishReason != "" {
				finished = true
			}
		}
	}
	if err := stream.Err(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var apiErr *openai.Error
		if errors.As(err, &apiErr) {
			return newStatusError(ProviderOpenAI, apiErr.Response, apiErr.StatusCode, err)
		}
		return fmt.Errorf("openai stream: %w", err)
	}
	if !finished {
		return errors.New("openai stream: ended before the model finished")
	}
	return nil
}
