package host

import (
	"encoding/hex"
	"fmt"
	"log/slog"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/signature"
	"github.com/acp-sidecar/acp/core/webhook"
)

// secrets are the secrets acp.yaml names, read from the environment
// before anything starts. None is ever logged.
type secrets struct {
	agents         []httpapi.Agent
	merchantToken  string
	encryptionKey  []byte
	webhookTargets []webhook.Target
	// ucp are the business's UCP signing keys (ucp_keys.go).
	ucp ucpKeys
}

// readSecrets reads the agents' tokens and signing keys, the merchant
// API's token, the store's encryption key and the webhook secrets, which
// CheckSecrets found set and well formed.
func readSecrets(cfg *config.Config, logger *slog.Logger, getenv func(string) string) (secrets, error) {
	agents, err := resolveAgents(cfg, logger, getenv)
	if err != nil {
		return secrets{}, err
	}
	key, err := encryptionKey(cfg.Store.EncryptionKeyEnv, getenv)
	if err != nil {
		return secrets{}, err
	}
	merchantToken := readToken(cfg.MerchantAPI.TokenEnv, cfg.MerchantAPI.LocalOnlyToken, getenv, logger, "user", "merchant API", "listen", cfg.Server.Listen)
	ucpKeys, err := readUCPSecrets(cfg, logger, getenv)
	if err != nil {
		return secrets{}, err
	}
	return secrets{agents: agents, merchantToken: merchantToken, encryptionKey: key, webhookTargets: webhookTargets(cfg, getenv), ucp: ucpKeys}, nil
}

// webhookTargets reads the webhook secrets from the environment.
func webhookTargets(cfg *config.Config, getenv func(string) string) []webhook.Target {
	var out []webhook.Target
	for _, a := range cfg.Agents {
		for _, w := range a.Webhooks {
			out = append(out, webhook.Target{Agent: a.Name, Name: w.Name, URL: w.URL, Secret: []byte(getenv(w.SecretEnv)), MaxAttempts: w.MaxAttempts, MaxAge: w.MaxAge})
		}
	}
	return out
}

// readToken returns a bearer token: read from the environment variable
// tokenEnv, or the local-only token written in the file (config accepts
// that only on a loopback listener), with a warning naming its user. It
// returns "" when neither is set.
func readToken(tokenEnv, localToken string, getenv func(string) string, logger *slog.Logger, user ...any) string {
	if tokenEnv == "" {
		if localToken != "" {
			logger.Warn("a local-only demo token written in the config file is in use; it is accepted only because the server listens on a loopback address", user...)
		}
		return localToken
	}
	return getenv(tokenEnv)
}

func resolveAgents(cfg *config.Config, logger *slog.Logger, getenv func(string) string) ([]httpapi.Agent, error) {
	var agents []httpapi.Agent
	for i, a := range cfg.Agents {
		token := readToken(a.TokenEnv, a.LocalOnlyToken, getenv, logger, "agent", a.Name, "listen", cfg.Server.Listen)
		verifier, err := verifierFor(a.Signature, getenv)
		if err != nil {
			return nil, fmt.Errorf("agents[%d].signature: %w", i, err)
		}
		agents = append(agents, httpapi.Agent{Name: a.Name, Token: token, Verifier: verifier})
	}
	return agents, nil
}

// verifierFor builds an agent's signature verifier; nil when the agent
// does not sign.
func verifierFor(sig *config.Signature, getenv func(string) string) (*signature.Verifier, error) {
	if sig == nil {
		return nil, nil
	}
	switch signature.Scheme(sig.Scheme) {
	case signature.HMACSHA256:
		return signature.NewHMAC([]byte(getenv(sig.SecretEnv)), sig.MaxSkew)
	case signature.Ed25519:
		pub, err := sig.Ed25519PublicKey()
		if err != nil {
			return nil, err
		}
		return signature.NewEd25519(pub, sig.MaxSkew)
	}
	return nil, fmt.Errorf("unknown scheme %q", sig.Scheme)
}

// encryptionKey reads the store's encryption key: 64 hex characters.
func encryptionKey(env string, getenv func(string) string) ([]byte, error) {
	if env == "" {
		return nil, nil
	}
	key, err := hex.DecodeString(getenv(env))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("store.encryption_key_env: environment variable %s must hold a 32-byte key as 64 hex characters", env)
	}
	return key, nil
}
