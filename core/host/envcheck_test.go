package host_test

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
)

// TestCheckSecrets checks that CheckSecrets reports every secret a config
// names that is unset or malformed, without its value, and that New
// refuses to start with exactly those problems (acp check --live prints
// the same list), so the two never disagree.
func TestCheckSecrets(t *testing.T) {
	t.Parallel()
	withSecrets := func(t *testing.T) *config.Config {
		cfg := loadTestConfig(t, t.TempDir())
		cfg.Store.EncryptionKeyEnv = "TEST_STORE_KEY"
		cfg.Agents[0].TokenEnv, cfg.Agents[0].LocalOnlyToken = "TEST_AGENT_TOKEN", ""
		cfg.Agents[0].Signature = &config.Signature{Scheme: "hmac-sha256", SecretEnv: "TEST_SIGNING_SECRET", MaxSkew: time.Minute}
		cfg.MerchantAPI.TokenEnv, cfg.MerchantAPI.LocalOnlyToken = "TEST_MERCHANT_TOKEN", ""
		cfg.Feeds = []config.Feed{{Name: "platform", URL: "https://feeds.example.com/acp", TokenEnv: "TEST_FEED_TOKEN", Header: "Authorization", TargetCountry: "US", Mode: config.FeedModeUpsert}}
		return cfg
	}
	good := map[string]string{
		"TEST_STORE_KEY": strings.Repeat("ab", 32), "TEST_AGENT_TOKEN": "agent-token-1",
		"TEST_SIGNING_SECRET": strings.Repeat("s", 32), "TEST_MERCHANT_TOKEN": "merchant-token-1",
		"TEST_FEED_TOKEN": "feed-token-1",
	}
	testCases := map[string]struct {
		env  map[string]string
		want []config.Problem
	}{
		"all set": {env: good},
		"none set": {env: map[string]string{}, want: []config.Problem{
			{Path: "agents[0].token_env", Message: "environment variable TEST_AGENT_TOKEN is not set or empty"},
			{Path: "agents[0].signature.secret_env", Message: "environment variable TEST_SIGNING_SECRET is not set or empty"},
			{Path: "merchant_api.token_env", Message: "environment variable TEST_MERCHANT_TOKEN is not set or empty"},
			{Path: "feeds[0].token_env", Message: "environment variable TEST_FEED_TOKEN is not set or empty"},
			{Path: "store.encryption_key_env", Message: "environment variable TEST_STORE_KEY is not set or empty"},
		}},
		"malformed": {env: map[string]string{
			"TEST_STORE_KEY": "short-key-value", "TEST_AGENT_TOKEN": "shared-token-1",
			"TEST_SIGNING_SECRET": strings.Repeat("s", 32), "TEST_MERCHANT_TOKEN": "shared-token-1", "TEST_FEED_TOKEN": "feed-token\r\nX-Injected: 1",
		}, want: []config.Problem{
			{Path: "merchant_api.token_env", Message: "the merchant token is the same as agents[0]'s token; each needs its own"},
			{Path: "feeds[0].token_env", Message: "environment variable TEST_FEED_TOKEN must hold a value an HTTP header can carry: no control characters such as line breaks"},
			{Path: "store.encryption_key_env", Message: "environment variable TEST_STORE_KEY must hold a 32-byte key as 64 hex characters"},
		}},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			getenv := func(k string) string { return tc.env[k] }
			if diff := cmp.Diff(tc.want, host.CheckSecrets(withSecrets(t), getenv)); diff != "" {
				t.Errorf("CheckSecrets (-want +got):\n%s", diff)
			}
			h, err := host.New(withSecrets(t), slog.New(slog.NewJSONHandler(io.Discard, nil)), getenv)
			if h != nil {
				_ = h.Close()
			}
			var problems *config.Errors
			switch {
			case tc.want == nil && err != nil:
				t.Errorf("New: %v", err)
			case tc.want != nil && !errors.As(err, &problems):
				t.Errorf("New: %v, want the problems of CheckSecrets", err)
			case tc.want != nil:
				if diff := cmp.Diff(tc.want, problems.Problems); diff != "" {
					t.Errorf("New's problems (-want +got):\n%s", diff)
				}
				if strings.Contains(err.Error(), "short-key-value") || strings.Contains(err.Error(), "shared-token-1") || strings.Contains(err.Error(), "X-Injected") {
					t.Errorf("New's error prints a secret: %v", err)
				}
			}
		})
	}
}
