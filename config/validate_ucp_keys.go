package config

import (
	"encoding/json"
	"fmt"
	"slices"
)

// LoopbackOnly reports whether the server listens on a loopback address
// only (127.0.0.0/8, ::1 or localhost): where the local-only demo
// secrets written in acp.yaml are accepted.
func (s *Server) LoopbackOnly() bool {
	host, err := checkListen(s.Listen)
	return err == nil && isLoopback(host)
}

// ucpOrderCapability is the UCP capability whose events the signing key
// signs.
const ucpOrderCapability = "dev.ucp.shopping.order"

// validateSigningKeys checks ucp.signing_keys when UCP is served: each
// key has a unique kid and exactly one of private_key_env,
// local_only_private_key (refused unless the server listens on a
// loopback address) or public_key, and the JWKs written in the file are
// EC P-256 keys of the right kind whose kid, if any, is the key's. When
// an agent calls UCP and the order capability is offered, a key with a
// private part must sign the order webhooks. Values are never quoted.
func (u *UCP) validateSigningKeys(agents []Agent, listenHost string, listenOK bool, ps *problems) {
	if !u.Enabled {
		return
	}
	kids := map[string]int{}
	signs := false
	for i, k := range u.SigningKeys {
		path := indexPath("ucp.signing_keys", i)
		switch j, dup := kids[k.KeyID]; {
		case k.KeyID == "":
			ps.add(path+".kid", "is required: the key's id, the keyid of its signatures")
		case dup:
			ps.add(path+".kid", "duplicate kid %q (also ucp.signing_keys[%d])", k.KeyID, j)
		default:
			kids[k.KeyID] = i
		}
		set := 0
		for _, v := range []string{k.PrivateKeyEnv, k.LocalOnlyPrivateKey, k.PublicKey} {
			if v != "" {
				set++
			}
		}
		if set != 1 {
			ps.add(path, "set exactly one of private_key_env (the environment variable holding the private JWK), "+
				"local_only_private_key (a local demo) or public_key (a retired key still published)")
			continue
		}
		switch {
		case k.PrivateKeyEnv != "":
			signs = true
			if !envVarPattern.MatchString(k.PrivateKeyEnv) {
				ps.add(path+".private_key_env", "%q is not an environment variable name", k.PrivateKeyEnv)
			}
		case k.LocalOnlyPrivateKey != "":
			signs = true
			if listenOK && !isLoopback(listenHost) {
				ps.add(path+".local_only_private_key", "the local-only private key is refused when listening on a non-loopback address; "+
					"use private_key_env to read the key from the environment, or listen on 127.0.0.1")
			}
			if msg := checkP256JWK(k.LocalOnlyPrivateKey, k.KeyID, true); msg != "" {
				ps.add(path+".local_only_private_key", "%s", msg)
			}
		default:
			if msg := checkP256JWK(k.PublicKey, k.KeyID, false); msg != "" {
				ps.add(path+".public_key", "%s", msg)
			}
		}
	}
	if signs || !u.offers(ucpOrderCapability) {
		return
	}
	for _, a := range agents {
		if a.UCP != nil {
			ps.add("ucp.signing_keys", "order webhooks must be signed: add a key with private_key_env "+
				"(or local_only_private_key for a local demo), or leave %s out of ucp.capabilities", ucpOrderCapability)
			return
		}
	}
}

// offers reports whether capability name is offered: capabilities lists
// it, or is empty (every capability).
func (u *UCP) offers(name string) bool {
	return len(u.Capabilities) == 0 || slices.Contains(u.Capabilities, name)
}

// checkP256JWK returns why s is not an EC P-256 JWK (a private one when
// private, else a public one) with kid kid or none, or "". It never
// quotes s.
func checkP256JWK(s, kid string, private bool) string {
	var k struct {
		Kty, Crv, Kid string
		X, Y, D       *string
	}
	if err := json.Unmarshal([]byte(s), &k); err != nil {
		return "must be a JWK: a JSON object"
	}
	switch {
	case k.Kty != "EC" || k.Crv != "P-256":
		return fmt.Sprintf(`must be an EC P-256 key (ES256, which every UCP platform verifies): got kty %q, crv %q`, k.Kty, k.Crv)
	case k.X == nil || k.Y == nil:
		return "must have the public coordinates x and y"
	case private && k.D == nil:
		return "must be a private key: the JWK has no d"
	case !private && k.D != nil:
		return "must be the public key only: remove d, which is the private key"
	case k.Kid != "" && k.Kid != kid:
		return fmt.Sprintf("the JWK's kid %q is not the key's kid %q", k.Kid, kid)
	}
	return ""
}
