package config

import (
	"bytes"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/base64"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// tlsRequired is the problem of a non-loopback listener without TLS.
func tlsRequired(listen string) []Problem {
	return []Problem{{
		Path: "server.tls",
		Message: "TLS is not configured and the listen address " + `"` + listen + `"` + " is not a loopback address: " +
			"set tls.cert_file and tls.key_file to serve HTTPS, listen on 127.0.0.1, " +
			"or set server.tls_terminated_upstream: true when TLS ends at a proxy or ingress in front of the sidecar",
	}}
}

// TestValidateTLSRequired checks when a listener without TLS files is
// accepted: on loopback addresses, or when TLS ends upstream.
func TestValidateTLSRequired(t *testing.T) {
	t.Parallel()
	withFiles := TLS{CertFile: "testdata/tls/cert.pem", KeyFile: "testdata/tls/key.pem"}
	tests := map[string]struct {
		listen   string
		tls      TLS
		upstream bool
		want     []Problem
	}{
		"IPv4 loopback":                   {listen: "127.0.0.1:8080"},
		"IPv6 loopback":                   {listen: "[::1]:8080"},
		"localhost":                       {listen: "localhost:8080"},
		"all IPv4 interfaces":             {listen: "0.0.0.0:8080", want: tlsRequired("0.0.0.0:8080")},
		"all interfaces, no host":         {listen: ":8080", want: tlsRequired(":8080")},
		"all IPv6 interfaces":             {listen: "[::]:8080", want: tlsRequired("[::]:8080")},
		"private address":                 {listen: "10.0.0.5:8080", want: tlsRequired("10.0.0.5:8080")},
		"host name":                       {listen: "acp.internal:8080", want: tlsRequired("acp.internal:8080")},
		"all interfaces with TLS files":   {listen: "0.0.0.0:8443", tls: withFiles},
		"all interfaces, TLS upstream":    {listen: "0.0.0.0:8080", upstream: true},
		"TLS files and TLS upstream":      {listen: "0.0.0.0:8443", tls: withFiles, upstream: true},
		"loopback with TLS upstream":      {listen: "127.0.0.1:8080", upstream: true},
		"invalid listen reported instead": {listen: "0.0.0.0", want: []Problem{{Path: "server.listen", Message: `invalid address "0.0.0.0": expected host:port, e.g. "127.0.0.1:8080" or ":8080"`}}},
		"half-set TLS reported instead": {
			listen: "0.0.0.0:8443", tls: TLS{CertFile: "testdata/tls/cert.pem"},
			want: []Problem{{Path: "server.tls.key_file", Message: "is required when server.tls.cert_file is set; set both to serve HTTPS, or neither"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := loadMinimal(t)
			cfg.Agents = []Agent{{Name: "a", TokenEnv: "A_TOKEN"}}
			cfg.Server.Listen = tc.listen
			cfg.Server.TLS = tc.tls
			cfg.Server.TLS.MinVersion = TLSVersion13
			cfg.Server.TLSTerminatedUpstream = tc.upstream
			if diff := cmp.Diff(tc.want, problemsOf(t, cfg.Validate(testOptions))); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoadTLSRequiredWithListenOverride checks that --listen decides
// whether TLS is required, and is named in the problem.
func TestLoadTLSRequiredWithListenOverride(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/valid_tls_terminated_upstream.yaml")
	if err != nil {
		t.Fatal(err)
	}
	withoutUpstream := bytes.Replace(data, []byte("tls_terminated_upstream: true"), []byte("tls_terminated_upstream: false"), 1)
	if bytes.Equal(withoutUpstream, data) {
		t.Fatal("the test file no longer sets tls_terminated_upstream: true")
	}
	tests := map[string]struct {
		data     []byte
		override string
		want     []Problem
	}{
		"upstream, public override": {data: data, override: "0.0.0.0:9000"},
		"no upstream, loopback override": {
			data: withoutUpstream, override: "127.0.0.1:9000",
		},
		"no upstream, public override": {
			data: withoutUpstream, override: "[::]:9000",
			want: []Problem{{
				Path: "server.tls",
				Message: `TLS is not configured and the listen address "[::]:9000" (from --listen) is not a loopback address: ` +
					"set tls.cert_file and tls.key_file to serve HTTPS, listen on 127.0.0.1, " +
					"or set server.tls_terminated_upstream: true when TLS ends at a proxy or ingress in front of the sidecar",
			}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			opts := testOptions
			opts.ListenOverride = tc.override
			_, err := LoadBytes(tc.data, opts)
			if diff := cmp.Diff(tc.want, problemsOf(t, err)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoadTLSMinVersion checks how server.tls.min_version may be written.
func TestLoadTLSMinVersion(t *testing.T) {
	t.Parallel()
	base, err := os.ReadFile("testdata/valid_minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		value string // YAML for min_version; empty leaves the key out
		want  TLSVersion
		wantP []Problem
	}{
		"absent":             {want: TLSVersion13},
		"quoted 1.3":         {value: `"1.3"`, want: TLSVersion13},
		"quoted 1.2":         {value: `"1.2"`, want: TLSVersion12},
		"unquoted 1.3":       {value: `1.3`, want: TLSVersion13},
		"unquoted 1.2":       {value: `1.2`, want: TLSVersion12},
		"1.1 refused":        {value: `"1.1"`, wantP: []Problem{{Path: "server.tls.min_version", Message: `must be "1.3" (the default) or "1.2", got "1.1"`}}},
		"1.0 refused":        {value: `1.0`, wantP: []Problem{{Path: "server.tls.min_version", Message: `must be "1.3" (the default) or "1.2", got "1"`}}},
		"whole number":       {value: `2`, wantP: []Problem{{Path: "server.tls.min_version", Message: `must be "1.3" (the default) or "1.2", got "2"`}}},
		"TLS prefix refused": {value: `TLS1.3`, wantP: []Problem{{Path: "server.tls.min_version", Message: `must be "1.3" (the default) or "1.2", got "TLS1.3"`}}},
		"boolean":            {value: `true`, wantP: []Problem{{Path: "server.tls.min_version", Message: `expected a TLS version such as "1.3", got the boolean true`}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data := base
			if tc.value != "" {
				data = append(bytes.Clone(base), []byte("server:\n  tls:\n    min_version: "+tc.value+"\n")...)
			}
			cfg, err := LoadBytes(data, testOptions)
			if diff := cmp.Diff(tc.wantP, problemsOf(t, err)); diff != "" {
				t.Fatalf("problems (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			if cfg.Server.TLS.MinVersion != tc.want {
				t.Errorf("min_version = %q, want %q", cfg.Server.TLS.MinVersion, tc.want)
			}
		})
	}
}

// TestTLSVersionID checks the crypto/tls constants.
func TestTLSVersionID(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		v    TLSVersion
		want uint16
	}{
		"1.2":   {v: "1.2", want: tls.VersionTLS12},
		"1.3":   {v: "1.3", want: tls.VersionTLS13},
		"1.1":   {v: "1.1", want: 0},
		"empty": {v: "", want: 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := tc.v.ID(); got != tc.want {
				t.Errorf("TLSVersion(%q).ID() = %#x, want %#x", tc.v, got, tc.want)
			}
		})
	}
}

// TestLoadRateLimitPresence checks that only an absent
// requests_per_second gets the default, while an explicit 0 disables rate
// limiting.
func TestLoadRateLimitPresence(t *testing.T) {
	t.Parallel()
	base, err := os.ReadFile("testdata/valid_minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		yaml        string
		wantRPS     float64
		wantBurst   int
		wantEnabled bool
		wantP       []Problem
	}{
		"section absent":        {wantRPS: 50, wantBurst: 100, wantEnabled: true},
		"rate_limit empty":      {yaml: "limits:\n  rate_limit: {}\n", wantRPS: 50, wantBurst: 100, wantEnabled: true},
		"rate written as 0":     {yaml: "limits:\n  rate_limit: {requests_per_second: 0}\n", wantRPS: 0, wantBurst: 100},
		"rate written as 0.0":   {yaml: "limits:\n  rate_limit: {requests_per_second: 0.0}\n", wantRPS: 0, wantBurst: 100},
		"disabled, bad burst":   {yaml: "limits:\n  rate_limit: {requests_per_second: 0, burst: -1}\n", wantRPS: 0, wantBurst: -1},
		"whole number rate":     {yaml: "limits:\n  rate_limit: {requests_per_second: 5, burst: 1}\n", wantRPS: 5, wantBurst: 1, wantEnabled: true},
		"burst 0 is absent":     {yaml: "limits:\n  rate_limit: {requests_per_second: 5, burst: 0}\n", wantRPS: 5, wantBurst: 100, wantEnabled: true},
		"rate null is absent":   {yaml: "limits:\n  rate_limit: {requests_per_second: null}\n", wantRPS: 50, wantBurst: 100, wantEnabled: true},
		"infinite rate refused": {yaml: "limits:\n  rate_limit: {requests_per_second: .inf}\n", wantP: []Problem{{Path: "limits.rate_limit.requests_per_second", Message: "must be 0 (no rate limit) or a positive number of requests per second, got +Inf"}}},
		"NaN rate refused":      {yaml: "limits:\n  rate_limit: {requests_per_second: .nan}\n", wantP: []Problem{{Path: "limits.rate_limit.requests_per_second", Message: "must be 0 (no rate limit) or a positive number of requests per second, got NaN"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data := append(bytes.Clone(base), []byte(tc.yaml)...)
			cfg, err := LoadBytes(data, testOptions)
			if diff := cmp.Diff(tc.wantP, problemsOf(t, err)); diff != "" {
				t.Fatalf("problems (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			rl := cfg.Limits.RateLimit
			if rl.RequestsPerSecond == nil {
				t.Fatal("requests_per_second is nil after defaults")
			}
			if rl.PerSecond() != tc.wantRPS || *rl.RequestsPerSecond != tc.wantRPS || rl.Burst != tc.wantBurst || rl.Enabled() != tc.wantEnabled {
				t.Errorf("rate limit = %v/s (enabled %v), burst %d; want %v/s (enabled %v), burst %d",
					rl.PerSecond(), rl.Enabled(), rl.Burst, tc.wantRPS, tc.wantEnabled, tc.wantBurst)
			}
		})
	}
}

// TestRateLimitPerSecond checks the rate read before and after defaults.
func TestRateLimitPerSecond(t *testing.T) {
	t.Parallel()
	zero, five := 0.0, 5.0
	tests := map[string]struct {
		rl          RateLimit
		want        float64
		wantEnabled bool
	}{
		"nil is the default": {rl: RateLimit{}, want: DefaultRequestsPerSecond, wantEnabled: true},
		"explicit 0":         {rl: RateLimit{RequestsPerSecond: &zero}, want: 0},
		"explicit 5":         {rl: RateLimit{RequestsPerSecond: &five}, want: 5, wantEnabled: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := tc.rl.PerSecond(); got != tc.want {
				t.Errorf("PerSecond() = %v, want %v", got, tc.want)
			}
			if got := tc.rl.Enabled(); got != tc.wantEnabled {
				t.Errorf("Enabled() = %v, want %v", got, tc.wantEnabled)
			}
		})
	}
}

// testPublicKey is an Ed25519 public key whose base64 uses '+' or '/',
// so that the standard and URL alphabets spell it differently.
var testPublicKey = func() ed25519.PublicKey {
	for i := byte(0); ; i++ {
		seed := bytes.Repeat([]byte{i}, ed25519.SeedSize)
		pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
		if s := base64.StdEncoding.EncodeToString(pub); strings.ContainsAny(s, "+/") {
			return pub
		}
	}
}()

// TestSignatureEd25519PublicKey checks the accepted spellings of a key.
func TestSignatureEd25519PublicKey(t *testing.T) {
	t.Parallel()
	std := base64.StdEncoding.EncodeToString(testPublicKey)
	// A last character with non-zero padding bits decodes leniently to
	// the same key; strict decoding refuses it.
	raw := base64.RawStdEncoding.EncodeToString(testPublicKey)
	last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", raw[len(raw)-1])
	nonCanonical := raw[:len(raw)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[last|1])
	tests := map[string]struct {
		key     string
		wantErr string
	}{
		"standard, padded":       {key: std},
		"standard, unpadded":     {key: raw},
		"URL, padded":            {key: base64.URLEncoding.EncodeToString(testPublicKey)},
		"URL, unpadded":          {key: base64.RawURLEncoding.EncodeToString(testPublicKey)},
		"empty":                  {key: "", wantErr: "decodes to 0 bytes, want 32"},
		"too short":              {key: base64.StdEncoding.EncodeToString(testPublicKey[:31]), wantErr: "decodes to 31 bytes, want 32"},
		"too long":               {key: base64.StdEncoding.EncodeToString(append(bytes.Clone(testPublicKey), 0)), wantErr: "decodes to 33 bytes, want 32"},
		"hex":                    {key: strings.Repeat("ab", 32), wantErr: "decodes to 48 bytes, want 32"},
		"not base64":             {key: "not a key!", wantErr: "is not base64"},
		"mixed alphabets":        {key: "AAAA-+AA", wantErr: "is not base64"},
		"non-canonical last bit": {key: nonCanonical, wantErr: "is not base64"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := Signature{Scheme: SchemeEd25519, PublicKey: tc.key}.Ed25519PublicKey()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Ed25519PublicKey(%q) error = %v, want one containing %q", tc.key, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Ed25519PublicKey(%q) error = %v", tc.key, err)
			}
			if !testPublicKey.Equal(got) {
				t.Errorf("Ed25519PublicKey(%q) = %x, want %x", tc.key, got, testPublicKey)
			}
		})
	}
	if nonCanonical == raw {
		t.Fatal("the non-canonical spelling equals the canonical one")
	}
}

// TestValidateHardeningRules checks the bounds of the protocol hardening
// settings, at and beyond each edge, by editing a valid config.
func TestValidateHardeningRules(t *testing.T) {
	t.Parallel()
	hmacSig := func(env string) *Signature {
		return &Signature{Scheme: SchemeHMACSHA256, SecretEnv: env, MaxSkew: DefaultSignatureMaxSkew}
	}
	edSig := &Signature{Scheme: SchemeEd25519, PublicKey: base64.RawURLEncoding.EncodeToString(testPublicKey), MaxSkew: DefaultSignatureMaxSkew}
	neg := -0.001
	runEditCases(t, map[string]editCase{
		"idle timeout negative": {
			edit: func(c *Config) { c.Server.IdleTimeout = -time.Second },
			want: []Problem{{Path: "server.idle_timeout", Message: "must be a positive duration, got -1s"}},
		},
		"retention exactly 24h": {edit: func(c *Config) { c.Idempotency.Retention = 24 * time.Hour }},
		"retention a second short": {
			edit: func(c *Config) { c.Idempotency.Retention = 24*time.Hour - time.Second },
			want: []Problem{{Path: "idempotency.retention", Message: "must be at least 24h (ACP requires idempotency keys to be kept at least 24 hours), got 23h59m59s"}},
		},
		"retention a year":    {edit: func(c *Config) { c.Idempotency.Retention = 8760 * time.Hour }},
		"lease exactly 1s":    {edit: func(c *Config) { c.Idempotency.Lease = time.Second }},
		"lease exactly 10m":   {edit: func(c *Config) { c.Idempotency.Lease = 10 * time.Minute }},
		"lease just under 1s": {edit: func(c *Config) { c.Idempotency.Lease = 999 * time.Millisecond }, want: []Problem{{Path: "idempotency.lease", Message: "must be from 1s to 10m, got 999ms"}}},
		"lease just over 10m": {edit: func(c *Config) { c.Idempotency.Lease = 10*time.Minute + time.Millisecond }, want: []Problem{{Path: "idempotency.lease", Message: "must be from 1s to 10m, got 10m0.001s"}}},
		"negative lease":      {edit: func(c *Config) { c.Idempotency.Lease = -time.Second }, want: []Problem{{Path: "idempotency.lease", Message: "must be from 1s to 10m, got -1s"}}},
		"max line items 0 without defaults": {
			edit: func(c *Config) { c.Limits.MaxLineItems = 0 },
			want: []Problem{{Path: "limits.max_line_items", Message: "must be from 1 to 1000, got 0"}},
		},
		"max quantity bounds": {
			edit: func(c *Config) { c.Limits.MaxQuantity = MaxQuantityLimit + 1 },
			want: []Problem{{Path: "limits.max_quantity", Message: "must be from 1 to 1000000, got 1000001"}},
		},
		"max fulfillment groups exactly 100": {edit: func(c *Config) { c.Limits.MaxFulfillmentGroups = MaxFulfillmentGroupsLimit }},
		"max fulfillment groups over 100": {
			edit: func(c *Config) { c.Limits.MaxFulfillmentGroups = MaxFulfillmentGroupsLimit + 1 },
			want: []Problem{{Path: "limits.max_fulfillment_groups", Message: "must be from 1 to 100, got 101"}},
		},
		"tiny negative rate": {
			edit: func(c *Config) { c.Limits.RateLimit.RequestsPerSecond = &neg },
			want: []Problem{{Path: "limits.rate_limit.requests_per_second", Message: "must be 0 (no rate limit) or a positive number of requests per second, got -0.001"}},
		},
		"infinite rate": {
			edit: func(c *Config) { inf := math.Inf(1); c.Limits.RateLimit.RequestsPerSecond = &inf },
			want: []Problem{{Path: "limits.rate_limit.requests_per_second", Message: "must be 0 (no rate limit) or a positive number of requests per second, got +Inf"}},
		},
		"nil rate validates as the default, burst 0 refused": {
			edit: func(c *Config) { c.Limits.RateLimit = RateLimit{} },
			want: []Problem{{Path: "limits.rate_limit.burst", Message: "must be at least 1 while rate limiting is enabled, got 0"}},
		},
		"disabled rate ignores burst": {
			edit: func(c *Config) { zero := 0.0; c.Limits.RateLimit = RateLimit{RequestsPerSecond: &zero, Burst: -5} },
		},
		"hmac signature": {
			edit: func(c *Config) { c.Agents[0].Signature = hmacSig("TEST_SIGNING_SECRET") },
		},
		"ed25519 signature": {
			edit: func(c *Config) { c.Agents[0].Signature = edSig },
		},
		"max skew exactly 1s and 1h": {
			edit: func(c *Config) {
				c.Agents = []Agent{
					{Name: "a", TokenEnv: "A_TOKEN", Signature: &Signature{Scheme: SchemeHMACSHA256, SecretEnv: "A_SECRET", MaxSkew: time.Second}},
					{Name: "b", TokenEnv: "B_TOKEN", Signature: &Signature{Scheme: SchemeHMACSHA256, SecretEnv: "B_SECRET", MaxSkew: time.Hour}},
				}
			},
		},
		"max skew 0 without defaults": {
			edit: func(c *Config) {
				c.Agents[0].Signature = &Signature{Scheme: SchemeHMACSHA256, SecretEnv: "S"}
			},
			want: []Problem{{Path: "agents[0].signature.max_skew", Message: "must be from 1s to 1h, got 0s"}},
		},
		"scheme is case sensitive": {
			edit: func(c *Config) {
				c.Agents[0].Signature = &Signature{Scheme: "HMAC-SHA256", SecretEnv: "S", MaxSkew: time.Minute}
			},
			want: []Problem{{Path: "agents[0].signature.scheme", Message: `must be one of hmac-sha256, ed25519, got "HMAC-SHA256"`}},
		},
		"unknown scheme still checks max skew": {
			edit: func(c *Config) { c.Agents[0].Signature = &Signature{Scheme: "rsa", MaxSkew: 2 * time.Hour} },
			want: []Problem{
				{Path: "agents[0].signature.scheme", Message: `must be one of hmac-sha256, ed25519, got "rsa"`},
				{Path: "agents[0].signature.max_skew", Message: "must be from 1s to 1h, got 2h0m0s"},
			},
		},
		"signature checked with a token problem": {
			edit: func(c *Config) {
				c.Agents[0].TokenEnv = "BOTH_TOKEN"
				c.Agents[0].Signature = &Signature{Scheme: SchemeEd25519, MaxSkew: time.Minute}
			},
			want: []Problem{
				{Path: "agents[0]", Message: "set exactly one of token_env or local_only_token, not both"},
				{Path: "agents[0].signature.public_key", Message: "is required for scheme ed25519: the agent's Ed25519 public key in base64"},
			},
		},
		"secret shared by two agents": {
			edit: func(c *Config) {
				c.Agents = []Agent{
					{Name: "a", TokenEnv: "A_TOKEN", Signature: hmacSig("SHARED")},
					{Name: "b", TokenEnv: "B_TOKEN", Signature: hmacSig("SHARED")},
				}
			},
			want: []Problem{{Path: "agents[1].signature.secret_env", Message: `agents[0] uses the same variable "SHARED"; each agent needs its own secret`}},
		},
		"secret is an earlier agent's token": {
			edit: func(c *Config) {
				c.Agents = []Agent{
					{Name: "a", TokenEnv: "A_TOKEN"},
					{Name: "b", TokenEnv: "B_TOKEN", Signature: hmacSig("A_TOKEN")},
				}
			},
			want: []Problem{{Path: "agents[1].signature.secret_env", Message: `"A_TOKEN" is also agents[0].token_env; the signing secret must not be a bearer token`}},
		},
		"two agents with the same ed25519 key": {
			edit: func(c *Config) {
				c.Agents = []Agent{
					{Name: "a", TokenEnv: "A_TOKEN", Signature: edSig},
					{Name: "b", TokenEnv: "B_TOKEN", Signature: edSig},
				}
			},
		},
	})
}

// TestSetDefaultsHardening checks the defaults of the protocol hardening
// settings, and that written values are kept.
func TestSetDefaultsHardening(t *testing.T) {
	t.Parallel()
	zero, two := 0.0, 2.0
	tests := map[string]struct {
		in   Config
		want func(*Config) any
		out  any
	}{
		"server": {
			want: func(c *Config) any {
				return []any{c.Server.IdleTimeout, c.Server.TLS.MinVersion, c.Server.TLSTerminatedUpstream}
			},
			out: []any{60 * time.Second, TLSVersion13, false},
		},
		"server written": {
			in: Config{Server: Server{IdleTimeout: time.Second, TLS: TLS{MinVersion: TLSVersion12}, TLSTerminatedUpstream: true}},
			want: func(c *Config) any {
				return []any{c.Server.IdleTimeout, c.Server.TLS.MinVersion, c.Server.TLSTerminatedUpstream}
			},
			out: []any{time.Second, TLSVersion12, true},
		},
		"idempotency": {
			want: func(c *Config) any { return c.Idempotency },
			out:  Idempotency{Retention: 24 * time.Hour, Lease: 30 * time.Second},
		},
		"idempotency written": {
			in:   Config{Idempotency: Idempotency{Retention: 48 * time.Hour, Lease: time.Minute}},
			want: func(c *Config) any { return c.Idempotency },
			out:  Idempotency{Retention: 48 * time.Hour, Lease: time.Minute},
		},
		"limits": {
			want: func(c *Config) any {
				return []any{c.Limits.MaxLineItems, c.Limits.MaxQuantity, *c.Limits.RateLimit.RequestsPerSecond, c.Limits.RateLimit.Burst}
			},
			out: []any{100, int64(100000), 50.0, 100},
		},
		"explicit zero rate kept": {
			in:   Config{Limits: Limits{RateLimit: RateLimit{RequestsPerSecond: &zero}}},
			want: func(c *Config) any { return []any{*c.Limits.RateLimit.RequestsPerSecond, c.Limits.RateLimit.Burst} },
			out:  []any{0.0, 100},
		},
		"written rate kept": {
			in: Config{Limits: Limits{MaxLineItems: 3, MaxQuantity: 7, RateLimit: RateLimit{RequestsPerSecond: &two, Burst: 5}}},
			want: func(c *Config) any {
				return []any{c.Limits.MaxLineItems, c.Limits.MaxQuantity, *c.Limits.RateLimit.RequestsPerSecond, c.Limits.RateLimit.Burst}
			},
			out: []any{3, int64(7), 2.0, 5},
		},
		"signature max skew": {
			in: Config{Agents: []Agent{
				{Name: "unsigned"},
				{Name: "default", Signature: &Signature{Scheme: SchemeHMACSHA256}},
				{Name: "written", Signature: &Signature{Scheme: SchemeEd25519, MaxSkew: time.Minute}},
			}},
			want: func(c *Config) any {
				return []any{c.Agents[0].Signature == nil, c.Agents[1].Signature.MaxSkew, c.Agents[2].Signature.MaxSkew}
			},
			out: []any{true, 300 * time.Second, time.Minute},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := tc.in
			c.SetDefaults(Options{})
			if diff := cmp.Diff(tc.out, tc.want(&c)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestExampleSignatures checks that the example's signature settings load
// into what the HTTP layer needs: a decoded Ed25519 key.
func TestExampleSignatures(t *testing.T) {
	t.Parallel()
	cfg, err := Load("../examples/acp.example.yaml", testOptions)
	if err != nil {
		t.Fatal(err)
	}
	schemes := map[string]bool{}
	for i, a := range cfg.Agents {
		if a.Signature == nil {
			continue
		}
		schemes[a.Signature.Scheme] = true
		if a.Signature.Scheme == SchemeEd25519 {
			if _, err := a.Signature.Ed25519PublicKey(); err != nil {
				t.Errorf("agents[%d]: %v", i, err)
			}
		}
	}
	if !schemes[SchemeHMACSHA256] || !schemes[SchemeEd25519] {
		t.Errorf("the example shows schemes %v, want both %s and %s", schemes, SchemeHMACSHA256, SchemeEd25519)
	}
	if !cfg.Server.TLSTerminatedUpstream {
		t.Errorf("the example listens on every interface without TLS files, so it must set tls_terminated_upstream")
	}
}
