package host

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/httpsig"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/ucp"
)

// privateJWK is a fresh private JWK (P-256 unless ed) without kid.
func privateJWK(t *testing.T, ed bool) string {
	t.Helper()
	var key any
	var err error
	if ed {
		_, key, err = ed25519.GenerateKey(rand.Reader)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := jose.JSONWebKey{Key: key}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLoadUCPKeys reads signing keys from the environment and the file,
// and refuses what cannot sign, never quoting a key.
func TestLoadUCPKeys(t *testing.T) {
	t.Parallel()
	current, retired, ed := privateJWK(t, false), privateJWK(t, false), privateJWK(t, true)
	retiredSigner, err := httpsig.ParsePrivateJWK([]byte(strings.Replace(retired, "{", `{"kid":"k1",`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"UCP_KEY": current, "UCP_ED": ed, "UCP_BAD": `{"kty":"EC","d":"c2VjcmV0LXZhbHVl"}`}
	getenv := func(k string) string { return env[k] }
	cfg := config.UCP{Enabled: true, SigningKeys: []config.UCPSigningKey{
		{KeyID: "k1", PublicKey: string(retiredSigner.PublicJWK())},
		{KeyID: "k2", PrivateKeyEnv: "UCP_KEY"},
		{KeyID: "k3", LocalOnlyPrivateKey: privateJWK(t, false)},
	}}
	signer, public, err := loadUCPKeys(cfg, true, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if signer == nil || signer.KeyID() != "k2" || signer.Algorithm() != httpsig.ECDSAP256SHA256 {
		t.Fatalf("signer %+v, want k2 (the first key with a private part)", signer)
	}
	if len(public) != 3 {
		t.Fatalf("%d public keys, want 3", len(public))
	}
	for i, want := range []string{"k1", "k2", "k3"} {
		var k map[string]any
		if err := json.Unmarshal(public[i], &k); err != nil || k["kid"] != want || k["d"] != nil || k["alg"] != "ES256" {
			t.Errorf("public key %d: %s", i, public[i])
		}
	}
	if _, _, err := loadUCPKeys(cfg, false, getenv); err == nil || !strings.Contains(err.Error(), "ucp.signing_keys[2].local_only_private_key") {
		t.Errorf("local key off loopback: %v", err)
	}
	if s, p, err := loadUCPKeys(config.UCP{SigningKeys: cfg.SigningKeys}, true, getenv); s != nil || p != nil || err != nil {
		t.Errorf("UCP off: %v %v %v", s, p, err)
	}
	for name, tt := range map[string]struct {
		key  config.UCPSigningKey
		want string
	}{
		"unset variable":    {config.UCPSigningKey{KeyID: "k", PrivateKeyEnv: "UNSET"}, "ucp.signing_keys[0].private_key_env: environment variable UNSET is not set"},
		"not a key":         {config.UCPSigningKey{KeyID: "k", PrivateKeyEnv: "UCP_BAD"}, "ucp.signing_keys[0].private_key_env: environment variable UCP_BAD does not hold a usable private JWK"},
		"Ed25519 signer":    {config.UCPSigningKey{KeyID: "k", PrivateKeyEnv: "UCP_ED"}, "must be EC P-256"},
		"kid mismatch":      {config.UCPSigningKey{KeyID: "other", PublicKey: string(retiredSigner.PublicJWK())}, `kid is not "other"`},
		"private as public": {config.UCPSigningKey{KeyID: "k", PublicKey: current}, "ucp.signing_keys[0].public_key"},
		"two sources":       {config.UCPSigningKey{KeyID: "k", PrivateKeyEnv: "UCP_KEY", PublicKey: "{}"}, "exactly one"},
	} {
		_, _, err := loadUCPKeys(config.UCP{Enabled: true, SigningKeys: []config.UCPSigningKey{tt.key}}, true, getenv)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", name, err, tt.want)
			continue
		}
		for _, secret := range []string{"c2VjcmV0", current[20:40]} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: the error quotes the key: %v", name, err)
			}
		}
	}
	dup := config.UCP{Enabled: true, SigningKeys: []config.UCPSigningKey{{KeyID: "k", PrivateKeyEnv: "UCP_KEY"}, {KeyID: "k", PrivateKeyEnv: "UCP_KEY"}}}
	if _, _, err := loadUCPKeys(dup, true, getenv); err == nil || !strings.Contains(err.Error(), "duplicate kid") {
		t.Errorf("duplicate kid: %v", err)
	}

	problems := CheckSecrets(&config.Config{UCP: config.UCP{Enabled: true, SigningKeys: []config.UCPSigningKey{
		{KeyID: "a", PrivateKeyEnv: "UCP_KEY"}, {KeyID: "b", PrivateKeyEnv: "UNSET"}, {KeyID: "c", PrivateKeyEnv: "UCP_BAD"},
	}}}, getenv)
	if len(problems) != 2 || problems[0].Path != "ucp.signing_keys[1].private_key_env" || problems[1].Path != "ucp.signing_keys[2].private_key_env" {
		t.Errorf("CheckSecrets: %v", problems)
	}
}

// TestUCPWebhookTargets registers one UCP target per agent that calls
// UCP, signing with the business key and naming the business profile.
func TestUCPWebhookTargets(t *testing.T) {
	t.Parallel()
	signer, err := httpsig.ParsePrivateJWK([]byte(strings.Replace(privateJWK(t, false), "{", `{"kid":"biz",`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{
		UCP:    config.UCP{Enabled: true, PublicURL: "https://shop.example/"},
		Agents: []config.Agent{{Name: "acp-only"}, {Name: "platform", UCP: &config.AgentUCP{}}},
	}
	targets, err := ucpWebhookTargets(cfg, ucpKeys{signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != 1 {
		t.Fatalf("%d targets, want 1", len(targets))
	}
	tg := targets[0]
	if tg.Agent != "platform" || tg.Name != model.TargetUCP || tg.UCP == nil || tg.UCP.Signer != signer ||
		tg.UCP.Profile != "https://shop.example/.well-known/ucp" || tg.MaxAttempts != config.DefaultWebhookMaxAttempts || tg.MaxAge != config.DefaultWebhookMaxAge {
		t.Errorf("target %+v", tg)
	}
	if _, err := ucpWebhookTargets(cfg, ucpKeys{}); err == nil {
		t.Error("a UCP target without a signing key")
	}
	cfg.UCP.Capabilities = []string{ucp.CapCheckout}
	if targets, err := ucpWebhookTargets(cfg, ucpKeys{}); err != nil || len(targets) != 0 {
		t.Errorf("order capability not offered: %v, %v", targets, err)
	}
	cfg.UCP = config.UCP{}
	if targets, err := ucpWebhookTargets(cfg, ucpKeys{signer: signer}); err != nil || len(targets) != 0 {
		t.Errorf("UCP off: %v, %v", targets, err)
	}
}
