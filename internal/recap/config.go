package recap

import (
	"fmt"
	"strings"
	"time"
)

// Providers accepted in Config.Provider. Besides these, the names of
// well-known OpenAI-compatible services (groq, mistral, openrouter,
// deepseek, ollama, vllm, llamacpp) select ProviderOpenAI with that
// service's default base URL.
const (
	ProviderBuiltin   = "builtin"
	ProviderOpenAI    = "openai"
	ProviderAnthropic = "anthropic"
)

// compatibleBaseURLs holds the default base URLs of OpenAI-compatible services.
var compatibleBaseURLs = map[string]string{
	"groq":       "https://api.groq.com/openai/v1",
	"mistral":    "https://api.mistral.ai/v1",
	"openrouter": "https://openrouter.ai/api/v1",
	"deepseek":   "https://api.deepseek.com",
	"ollama":     "http://localhost:11434/v1",
	"vllm":       "http://localhost:8000/v1",
	"llamacpp":   "http://localhost:8080/v1",
}

// Defaults applied by New to zero fields.
const (
	DefaultMaxHistoryTokens = 16000
	DefaultTimeout          = 120 * time.Second
	DefaultMaxRetries       = 3
	DefaultMaxTokens        = 1024
	DefaultOpenAIModel      = "gpt-4o-mini"
	DefaultAnthropicModel   = "claude-sonnet-4-5"
	// DefaultTemperature is LLM_TEMPERATURE's default. A Config sends its
	// Temperature as is, 0 included.
	DefaultTemperature = 0.2
)

// Config chooses and tunes the model.
type Config struct {
	// Provider is "" or "builtin" (no model), "openai" (any
	// OpenAI-compatible API), "anthropic", or a compatible service's name.
	Provider string
	// APIKey authenticates to the API. It is never included in error text.
	APIKey string
	// Model names the model; each provider has a default.
	Model string
	// BaseURL overrides the API's address, e.g. http://localhost:11434/v1.
	BaseURL string
	// Temperature is sent with every request.
	Temperature float64
	// MaxTokens caps the length of the response (default 1024).
	MaxTokens int
	// MaxHistoryTokens is the budget TrimItems and GenerateResponse fit
	// the activity text a model reads into (default 16000).
	MaxHistoryTokens int
	// Timeout bounds a whole GenerateResponse call, retries included
	// (default 120s).
	Timeout time.Duration
	// MaxRetries is how many times a refused request is retried (default 3).
	// A negative value disables retries.
	MaxRetries int
}

// String describes c with the API key redacted.
func (c Config) String() string {
	key := ""
	if c.APIKey != "" {
		key = "[redacted]"
	}
	return fmt.Sprintf("recap.Config{Provider:%q APIKey:%q Model:%q BaseURL:%q Temperature:%g MaxTokens:%d MaxHistoryTokens:%d Timeout:%s MaxRetries:%d}",
		c.Provider, key, c.Model, c.BaseURL, c.Temperature, c.MaxTokens, c.MaxHistoryTokens, c.Timeout, c.MaxRetries)
}

// GoString is String, so that %#v redacts the key too.
func (c Config) GoString() string { return c.String() }

// normalize applies defaults to zero fields and validates c.
func (c Config) normalize() (Config, error) {
	c.Provider = strings.ToLower(c.Provider)
	if c.Provider == "" {
		c.Provider = ProviderBuiltin
	}
	if base, ok := compatibleBaseURLs[c.Provider]; ok {
		c.Provider = ProviderOpenAI
		if c.BaseURL == "" {
			c.BaseURL = base
		}
	}
	switch c.Provider {
	case ProviderBuiltin:
	case ProviderOpenAI:
		if c.Model == "" {
			c.Model = DefaultOpenAIModel
		}
		// Local servers need no key; OpenAI itself does.
		if c.APIKey == "" && c.BaseURL == "" {
			return c, fmt.Errorf("%w: LLM_API_KEY is required for provider openai without LLM_BASE_URL", ErrInvalid)
		}
	case ProviderAnthropic:
		if c.Model == "" {
			c.Model = DefaultAnthropicModel
		}
		if c.APIKey == "" {
			return c, fmt.Errorf("%w: LLM_API_KEY is required for provider anthropic", ErrInvalid)
		}
	default:
		return c, fmt.Errorf("%w: LLM_PROVIDER %q is not builtin, openai, anthropic or a known compatible service", ErrInvalid, c.Provider)
	}
	if c.MaxTokens == 0 {
		c.MaxTokens = DefaultMaxTokens
	}
	if c.MaxHistoryTokens == 0 {
		c.MaxHistoryTokens = DefaultMaxHistoryTokens
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	switch {
	case c.MaxRetries == 0:
		c.MaxRetries = DefaultMaxRetries
	case c.MaxRetries < 0:
		c.MaxRetries = 0
	}
	switch {
	case c.Temperature < 0 || c.Temperature > 2:
		return c, fmt.Errorf("%w: LLM_TEMPERATURE %g is not between 0 and 2", ErrInvalid, c.Temperature)
	case c.MaxTokens < 0:
		return c, fmt.Errorf("%w: LLM_MAX_TOKENS %d is negative", ErrInvalid, c.MaxTokens)
	case c.MaxHistoryTokens < 0:
		return c, fmt.Errorf("%w: MAX_HISTORY_TOKENS %d is negative", ErrInvalid, c.MaxHistoryTokens)
	case c.Timeout < 0:
		return c, fmt.Errorf("%w: LLM_TIMEOUT %s is negative", ErrInvalid, c.Timeout)
	}
	return c, nil
}
