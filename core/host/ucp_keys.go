package host

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/httpsig"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/core/webhook"
	"github.com/acp-sidecar/acp/internal/ucpdoc"
)

// ucpKeys are the business's UCP signing keys, read at start.
type ucpKeys struct {
	// signer signs order webhooks: the first key with a private part;
	// nil when none has one.
	signer *httpsig.Signer
	// public are every key's public JWKs, for the profile's
	// signing_keys.
	public []json.RawMessage
}

// loadUCPKeys reads ucp.signing_keys: the signer (the first key with a
// private part, which must be EC P-256, the ES256 every platform
// verifies), and every key's public JWK (retired public_key-only keys
// included) for the business profile. A private key is read from the
// environment variable private_key_env names, or is the
// local_only_private_key written in the file, accepted only when the
// server listens on a loopback address (loopback). Nothing is read when
// UCP is off. Errors name the key's path and never quote a key.
func loadUCPKeys(cfg config.UCP, loopback bool, getenv func(string) string) (*httpsig.Signer, []json.RawMessage, error) {
	if !cfg.Enabled {
		return nil, nil, nil
	}
	var signer *httpsig.Signer
	var public []json.RawMessage
	kids := map[string]bool{}
	for i, k := range cfg.SigningKeys {
		s, pub, problem := readUCPKey(i, k, loopback, getenv)
		if problem != nil {
			return nil, nil, fmt.Errorf("%s: %s", problem.Path, problem.Message)
		}
		path := fmt.Sprintf("ucp.signing_keys[%d]", i)
		if kids[k.KeyID] {
			return nil, nil, fmt.Errorf("%s.kid: duplicate kid %q", path, k.KeyID)
		}
		kids[k.KeyID] = true
		if s != nil && signer == nil {
			if s.Algorithm() != httpsig.ECDSAP256SHA256 {
				return nil, nil, fmt.Errorf("%s: the signing key must be EC P-256 (ES256), which every UCP platform verifies; it is %s", path, s.Algorithm())
			}
			signer = s
		}
		public = append(public, pub)
	}
	return signer, public, nil
}

// readUCPKey reads signing key i: its Signer when it has a private part,
// and its public JWK; or the problem, at the path of the setting, never
// quoting the key.
func readUCPKey(i int, k config.UCPSigningKey, loopback bool, getenv func(string) string) (*httpsig.Signer, json.RawMessage, *config.Problem) {
	path := fmt.Sprintf("ucp.signing_keys[%d]", i)
	problem := func(key, format string, args ...any) *config.Problem {
		return &config.Problem{Path: path + key, Message: fmt.Sprintf(format, args...)}
	}
	var data, source string
	switch {
	case k.PrivateKeyEnv != "" && k.LocalOnlyPrivateKey == "" && k.PublicKey == "":
		data, source = getenv(k.PrivateKeyEnv), ".private_key_env"
		if data == "" {
			return nil, nil, problem(source, "environment variable %s is not set or empty", k.PrivateKeyEnv)
		}
	case k.LocalOnlyPrivateKey != "" && k.PrivateKeyEnv == "" && k.PublicKey == "":
		data, source = k.LocalOnlyPrivateKey, ".local_only_private_key"
		if !loopback {
			return nil, nil, problem(source, "the local-only private key is refused when listening on a non-loopback address; use private_key_env")
		}
	case k.PublicKey != "" && k.PrivateKeyEnv == "" && k.LocalOnlyPrivateKey == "":
		jwk, err := withKeyID([]byte(k.PublicKey), k.KeyID)
		if err == nil {
			var pub json.RawMessage
			if pub, err = httpsig.ParsePublicJWK(jwk); err == nil {
				return nil, pub, nil
			}
		}
		return nil, nil, problem(".public_key", "is not a usable public JWK: %s", err)
	default:
		return nil, nil, problem("", "set exactly one of private_key_env, local_only_private_key or public_key")
	}
	what := "the key"
	if source == ".private_key_env" {
		what = "environment variable " + k.PrivateKeyEnv
	}
	jwk, err := withKeyID([]byte(data), k.KeyID)
	if err != nil {
		return nil, nil, problem(source, "%s does not hold a private JWK: %s", what, err)
	}
	s, err := httpsig.ParsePrivateJWK(jwk)
	if err != nil {
		return nil, nil, problem(source, "%s does not hold a usable private JWK: %s", what, err)
	}
	return s, s.PublicJWK(), nil
}

// withKeyID returns the JWK data with kid set to kid; one whose own kid
// differs is refused.
func withKeyID(data []byte, kid string) ([]byte, error) {
	out, own, err := ucpdoc.WithKeyID(data, kid)
	if err != nil {
		return nil, err
	}
	if own != kid {
		return nil, fmt.Errorf("the JWK's kid is not %q", kid)
	}
	return out, nil
}

// checkUCPKeys records a problem for each UCP signing key read from the
// environment that is unset or not a usable private JWK (CheckSecrets).
func (c *secretCheck) checkUCPKeys(cfg config.UCP) {
	if !cfg.Enabled {
		return
	}
	for i, k := range cfg.SigningKeys {
		if k.PrivateKeyEnv == "" {
			continue
		}
		// The local-only and public keys are config's to check.
		if _, _, p := readUCPKey(i, config.UCPSigningKey{KeyID: k.KeyID, PrivateKeyEnv: k.PrivateKeyEnv}, false, c.getenv); p != nil {
			c.problems = append(c.problems, *p)
		}
	}
}

// readUCPSecrets reads the UCP signing keys (loadUCPKeys), warning when
// a local-only demo key written in the file is in use.
func readUCPSecrets(cfg *config.Config, logger *slog.Logger, getenv func(string) string) (ucpKeys, error) {
	signer, public, err := loadUCPKeys(cfg.UCP, cfg.Server.LoopbackOnly(), getenv)
	if err != nil {
		return ucpKeys{}, err
	}
	for _, k := range cfg.UCP.SigningKeys {
		if cfg.UCP.Enabled && k.LocalOnlyPrivateKey != "" {
			logger.Warn("a local-only demo UCP signing key written in the config file is in use; it is accepted only because the server listens on a loopback address",
				"kid", k.KeyID, "listen", cfg.Server.Listen)
		}
	}
	return ucpKeys{signer: signer, public: public}, nil
}

// ucpWebhookTargets are the UCP order webhook targets: one per agent
// that calls UCP, when UCP is on and offers the order capability, each
// signing with the business key and naming the business profile in
// UCP-Agent. Their attempts and age are bounded like webhooks'.
func ucpWebhookTargets(cfg *config.Config, keys ucpKeys) ([]webhook.Target, error) {
	if !ucpOffersCapability(cfg, ucp.CapOrder) {
		return nil, nil
	}
	var out []webhook.Target
	for _, a := range cfg.Agents {
		if a.UCP == nil {
			continue
		}
		if keys.signer == nil {
			return nil, errors.New("ucp.signing_keys: order webhooks must be signed, and no key has a private part")
		}
		out = append(out, webhook.Target{
			Agent: a.Name, Name: model.TargetUCP,
			UCP:         &webhook.UCPSigning{Signer: keys.signer, Profile: businessProfileURL(cfg.UCP)},
			MaxAttempts: config.DefaultWebhookMaxAttempts, MaxAge: config.DefaultWebhookMaxAge,
		})
	}
	return out, nil
}

// businessProfileURL is the business's profile URL: ucpProfilePath at
// its public origin.
func businessProfileURL(u config.UCP) string {
	return strings.TrimSuffix(u.PublicURL, "/") + ucpProfilePath
}
