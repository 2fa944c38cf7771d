package config

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// Bounds of the protocol hardening settings. docs/configuration.md documents each.
const (
	// MinIdempotencyRetention is the shortest idempotency.retention: ACP
	// requires idempotency keys to be kept at least 24 hours.
	MinIdempotencyRetention = 24 * time.Hour
	// MinIdempotencyLease is the shortest idempotency.lease.
	MinIdempotencyLease = time.Second
	// MaxIdempotencyLease is the longest idempotency.lease.
	MaxIdempotencyLease = 10 * time.Minute
	// MaxLineItemsLimit is the largest limits.max_line_items.
	MaxLineItemsLimit = 1000
	// MaxQuantityLimit is the largest limits.max_quantity.
	MaxQuantityLimit = 1_000_000
	// MaxFulfillmentGroupsLimit is the largest
	// limits.max_fulfillment_groups.
	MaxFulfillmentGroupsLimit = 100
	// MinSignatureMaxSkew is the smallest agents[].signature.max_skew.
	MinSignatureMaxSkew = time.Second
	// MaxSignatureMaxSkew is the largest agents[].signature.max_skew.
	MaxSignatureMaxSkew = time.Hour
)

// signatureSchemes are the accepted agents[].signature.scheme values.
var signatureSchemes = []string{SchemeHMACSHA256, SchemeEd25519}

// validate checks the idempotency section.
func (in *Idempotency) validate(ps *problems) {
	if in.Retention < MinIdempotencyRetention {
		ps.add("idempotency.retention", "must be at least 24h (ACP requires idempotency keys to be kept at least 24 hours), got %s", in.Retention)
	}
	if in.Lease < MinIdempotencyLease || in.Lease > MaxIdempotencyLease {
		ps.add("idempotency.lease", "must be from 1s to 10m, got %s", in.Lease)
	}
}

// validate checks the limits section.
func (l *Limits) validate(ps *problems) {
	if l.MaxLineItems < 1 || l.MaxLineItems > MaxLineItemsLimit {
		ps.add("limits.max_line_items", "must be from 1 to %d, got %d", MaxLineItemsLimit, l.MaxLineItems)
	}
	if l.MaxQuantity < 1 || l.MaxQuantity > MaxQuantityLimit {
		ps.add("limits.max_quantity", "must be from 1 to %d, got %d", MaxQuantityLimit, l.MaxQuantity)
	}
	if l.MaxFulfillmentGroups < 1 || l.MaxFulfillmentGroups > MaxFulfillmentGroupsLimit {
		ps.add("limits.max_fulfillment_groups", "must be from 1 to %d, got %d", MaxFulfillmentGroupsLimit, l.MaxFulfillmentGroups)
	}
	rps := l.RateLimit.PerSecond()
	if !finite(rps) || rps < 0 {
		ps.add("limits.rate_limit.requests_per_second", "must be 0 (no rate limit) or a positive number of requests per second, got %v", rps)
		return
	}
	if rps > 0 && l.RateLimit.Burst < 1 {
		ps.add("limits.rate_limit.burst", "must be at least 1 while rate limiting is enabled, got %d", l.RateLimit.Burst)
	}
}

// validate checks agents[i].signature, at path. secretEnvs records the
// secret_env values seen so far; tokenEnvs maps every agent's token_env to
// the first agent using it.
func (s *Signature) validate(path string, secretEnvs, tokenEnvs map[string]int, i int, ps *problems) {
	switch s.Scheme {
	case "":
		ps.add(path+".scheme", "is required: %s or %s", SchemeHMACSHA256, SchemeEd25519)
	case SchemeHMACSHA256:
		s.validateHMAC(path, secretEnvs, tokenEnvs, i, ps)
	case SchemeEd25519:
		if s.PublicKey == "" {
			ps.add(path+".public_key", "is required for scheme %s: the agent's Ed25519 public key in base64", SchemeEd25519)
		} else if _, err := decodeEd25519PublicKey(s.PublicKey); err != nil {
			ps.add(path+".public_key", "%v", err)
		}
		if s.SecretEnv != "" {
			ps.add(path+".secret_env", "applies only to scheme %s; remove it", SchemeHMACSHA256)
		}
	default:
		ps.add(path+".scheme", "must be one of %s, got %q", oneOf(signatureSchemes), s.Scheme)
	}
	if s.MaxSkew < MinSignatureMaxSkew || s.MaxSkew > MaxSignatureMaxSkew {
		ps.add(path+".max_skew", "must be from 1s to 1h, got %s", s.MaxSkew)
	}
}

// validateHMAC checks the keys of an hmac-sha256 signature.
func (s *Signature) validateHMAC(path string, secretEnvs, tokenEnvs map[string]int, i int, ps *problems) {
	envPath := path + ".secret_env"
	switch j, dup := secretEnvs[s.SecretEnv]; {
	case s.SecretEnv == "":
		ps.add(envPath, "is required for scheme %s: the name of the environment variable holding the secret shared with the agent", SchemeHMACSHA256)
	case !envVarPattern.MatchString(s.SecretEnv):
		ps.add(envPath, "%q is not an environment variable name: use letters, digits and '_', not starting with a digit", s.SecretEnv)
	case dup:
		ps.add(envPath, "agents[%d] uses the same variable %q; each agent needs its own secret", j, s.SecretEnv)
	default:
		secretEnvs[s.SecretEnv] = i
		switch j, ok := tokenEnvs[s.SecretEnv]; {
		case ok && j == i:
			ps.add(envPath, "%q is also this agent's token_env; the signing secret must not be a bearer token", s.SecretEnv)
		case ok:
			ps.add(envPath, "%q is also agents[%d].token_env; the signing secret must not be a bearer token", s.SecretEnv, j)
		}
	}
	if s.PublicKey != "" {
		ps.add(path+".public_key", "applies only to scheme %s; remove it", SchemeEd25519)
	}
}

// keyEncodings are the base64 forms accepted for an Ed25519 public key,
// tried in order. Strict decoding refuses non-zero padding bits, so each
// key has exactly one spelling per form.
var keyEncodings = []*base64.Encoding{
	base64.StdEncoding.Strict(),
	base64.RawStdEncoding.Strict(),
	base64.URLEncoding.Strict(),
	base64.RawURLEncoding.Strict(),
}

// errNotBase64 is why a public key that no base64 form decodes is refused.
var errNotBase64 = errors.New("is not base64: write the raw 32-byte Ed25519 public key in base64 (standard or URL alphabet), not PEM or hex")

// decodeEd25519PublicKey decodes a base64 Ed25519 public key: the standard
// or the URL alphabet, padded or not, of exactly 32 bytes.
func decodeEd25519PublicKey(s string) (ed25519.PublicKey, error) {
	for _, enc := range keyEncodings {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("decodes to %d bytes, want %d: write the raw Ed25519 public key in base64, not PEM, DER or hex", len(b), ed25519.PublicKeySize)
		}
		return ed25519.PublicKey(b), nil
	}
	return nil, errNotBase64
}
