package config

import (
	"strings"
	"testing"
)

// The JWKs of the tests: RFC 9421's test-key-ecc-p256 (B.1.3).
const (
	testP256Public  = `{"kty":"EC","crv":"P-256","x":"qIVYZVLCrPZHGHjP17CTW0_-D9Lfw0EkjqF7xB4FivA","y":"Mc4nN9LTDOBhfoUeg8Ye9WedFRhnZXZJA12Qp0zZ6F0"}`
	testP256Private = `{"kty":"EC","crv":"P-256","kid":"k1","x":"qIVYZVLCrPZHGHjP17CTW0_-D9Lfw0EkjqF7xB4FivA","y":"Mc4nN9LTDOBhfoUeg8Ye9WedFRhnZXZJA12Qp0zZ6F0","d":"UpuF81l-kOxbjf7T4mNSv0r5tN67Gim7rnf6EFpcYDs"}`
)

// TestValidateSigningKeys checks ucp.signing_keys: the problem's path and
// message for each mistake, and no problem for good keys.
func TestValidateSigningKeys(t *testing.T) {
	t.Parallel()
	ucpAgent := []Agent{{Name: "a", UCP: &AgentUCP{}}}
	tests := []struct {
		name       string
		keys       []UCPSigningKey
		caps       []string
		agents     []Agent
		listen     string
		path, want string
	}{
		{name: "env key and retired public key", keys: []UCPSigningKey{{KeyID: "k2", PrivateKeyEnv: "UCP_KEY"}, {KeyID: "k1", PublicKey: testP256Public}}, agents: ucpAgent},
		{name: "local key on loopback", keys: []UCPSigningKey{{KeyID: "k1", LocalOnlyPrivateKey: testP256Private}}, agents: ucpAgent},
		{name: "local key off loopback", keys: []UCPSigningKey{{KeyID: "k1", LocalOnlyPrivateKey: testP256Private}}, listen: "0.0.0.0:8080",
			path: "ucp.signing_keys[0].local_only_private_key", want: "refused when listening on a non-loopback address"},
		{name: "no kid", keys: []UCPSigningKey{{PrivateKeyEnv: "UCP_KEY"}}, path: "ucp.signing_keys[0].kid", want: "is required"},
		{name: "duplicate kid", keys: []UCPSigningKey{{KeyID: "k", PrivateKeyEnv: "A"}, {KeyID: "k", PrivateKeyEnv: "B"}},
			path: "ucp.signing_keys[1].kid", want: "duplicate kid"},
		{name: "two sources", keys: []UCPSigningKey{{KeyID: "k", PrivateKeyEnv: "A", PublicKey: testP256Public}}, path: "ucp.signing_keys[0]", want: "exactly one"},
		{name: "no source", keys: []UCPSigningKey{{KeyID: "k"}}, path: "ucp.signing_keys[0]", want: "exactly one"},
		{name: "bad env name", keys: []UCPSigningKey{{KeyID: "k", PrivateKeyEnv: "1X"}}, path: "ucp.signing_keys[0].private_key_env", want: "not an environment variable"},
		{name: "private key as public key", keys: []UCPSigningKey{{KeyID: "k1", PrivateKeyEnv: "A"}, {KeyID: "k2", PublicKey: strings.Replace(testP256Private, `"k1"`, `"k2"`, 1)}},
			path: "ucp.signing_keys[1].public_key", want: "remove d"},
		{name: "public key as local private key", keys: []UCPSigningKey{{KeyID: "k1", LocalOnlyPrivateKey: testP256Public}},
			path: "ucp.signing_keys[0].local_only_private_key", want: "no d"},
		{name: "kid mismatch", keys: []UCPSigningKey{{KeyID: "other", LocalOnlyPrivateKey: testP256Private}},
			path: "ucp.signing_keys[0].local_only_private_key", want: `kid "k1" is not the key's kid "other"`},
		{name: "not P-256", keys: []UCPSigningKey{{KeyID: "k1", PrivateKeyEnv: "A"}, {KeyID: "k2", PublicKey: `{"kty":"OKP","crv":"Ed25519","x":"AA"}`}},
			path: "ucp.signing_keys[1].public_key", want: "EC P-256"},
		{name: "not JSON", keys: []UCPSigningKey{{KeyID: "k1", LocalOnlyPrivateKey: "d=secret"}},
			path: "ucp.signing_keys[0].local_only_private_key", want: "must be a JWK"},
		{name: "no signing key for webhooks", keys: []UCPSigningKey{{KeyID: "k1", PublicKey: testP256Public}}, agents: ucpAgent,
			path: "ucp.signing_keys", want: "order webhooks must be signed"},
		{name: "no key, order capability not offered", caps: []string{"dev.ucp.shopping.checkout"}, agents: ucpAgent},
		{name: "no key, no UCP agent", agents: []Agent{{Name: "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			listen := tt.listen
			if listen == "" {
				listen = "127.0.0.1:8080"
			}
			host, err := checkListen(listen)
			if err != nil {
				t.Fatal(err)
			}
			u := UCP{Enabled: true, SigningKeys: tt.keys, Capabilities: tt.caps}
			var ps problems
			u.validateSigningKeys(tt.agents, host, true, &ps)
			if tt.want == "" {
				if len(ps.list) != 0 {
					t.Fatalf("problems %v", ps.list)
				}
				return
			}
			if len(ps.list) != 1 || ps.list[0].Path != tt.path || !strings.Contains(ps.list[0].Message, tt.want) {
				t.Fatalf("problems %v, want one at %s saying %q", ps.list, tt.path, tt.want)
			}
			if strings.Contains(ps.list[0].Message, "UpuF81l") || strings.Contains(ps.list[0].Message, "secret") {
				t.Errorf("the problem quotes the key: %s", ps.list[0].Message)
			}
		})
	}
	var ps problems
	(&UCP{SigningKeys: []UCPSigningKey{{}}}).validateSigningKeys(nil, "", true, &ps)
	if len(ps.list) != 0 {
		t.Errorf("UCP disabled: problems %v", ps.list)
	}
	if !(&Server{Listen: "127.0.0.1:1"}).LoopbackOnly() || (&Server{Listen: ":8080"}).LoopbackOnly() || !(&Server{Listen: "[::1]:1"}).LoopbackOnly() {
		t.Error("LoopbackOnly")
	}
}
