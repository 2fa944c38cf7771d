package ucpprofile

import (
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/core/ucp"
)

func caps(list ...Capability) []Capability { return list }

func c(name, version string, extends ...string) Capability {
	return Capability{Name: name, Version: version, Extends: extends}
}

// TestIntersect checks overview.md's intersection algorithm, rule by rule.
func TestIntersect(t *testing.T) {
	t.Parallel()
	const (
		checkout = "dev.ucp.shopping.checkout"
		cart     = "dev.ucp.shopping.cart"
		disc     = "dev.ucp.shopping.discount"
		ful      = "dev.ucp.shopping.fulfillment"
		loyalty  = "com.example.loyalty"
		v1, v2   = "2026-01-11", "2026-04-08"
		v3       = "2026-09-01"
	)
	tests := map[string]struct {
		business, platform []Capability
		want               map[string]string
	}{
		"names in both only": {
			business: caps(c(checkout, v2), c("dev.ucp.shopping.order", v2)),
			platform: caps(c(checkout, v2), c("dev.ucp.common.identity_linking", v2)),
			want:     map[string]string{checkout: v2},
		},
		"highest mutual version": {
			business: caps(c(checkout, v1), c(checkout, v2), c(checkout, v3)),
			platform: caps(c(checkout, v2), c(checkout, v1)),
			want:     map[string]string{checkout: v2},
		},
		"no mutual version excludes the capability": {
			business: caps(c(checkout, v2), c("dev.ucp.shopping.order", v2)),
			platform: caps(c(checkout, v1), c("dev.ucp.shopping.order", v2)),
			want:     map[string]string{"dev.ucp.shopping.order": v2},
		},
		"extension with its parent is kept": {
			business: caps(c(checkout, v2), c(ful, v2, checkout)),
			platform: caps(c(checkout, v2), c(ful, v2, checkout)),
			want:     map[string]string{checkout: v2, ful: v2},
		},
		"orphaned extension is pruned": {
			business: caps(c(checkout, v2), c(ful, v2, checkout), c(disc, v2, checkout)),
			platform: caps(c(ful, v2, checkout), c(disc, v2, checkout)),
			want:     map[string]string{},
		},
		"parent without a mutual version orphans its extension": {
			business: caps(c(checkout, v2), c(ful, v2, checkout)),
			platform: caps(c(checkout, v1), c(ful, v2, checkout)),
			want:     map[string]string{},
		},
		"multi-parent extension needs one parent": {
			business: caps(c(checkout, v2), c(disc, v2, checkout, cart)),
			platform: caps(c(checkout, v2), c(disc, v2, checkout, cart)),
			want:     map[string]string{checkout: v2, disc: v2},
		},
		"multi-parent extension with no parent is pruned": {
			business: caps(c(disc, v2, checkout, cart)),
			platform: caps(c(disc, v2, checkout, cart)),
			want:     map[string]string{},
		},
		"pruning repeats along a chain": {
			business: caps(c(checkout, v2), c(disc, v2, checkout), c(loyalty, v2, disc), c("com.example.tiers", v2, loyalty)),
			platform: caps(c(disc, v2, checkout), c(loyalty, v2, disc), c("com.example.tiers", v2, loyalty)),
			want:     map[string]string{},
		},
		"a chain whose root is present stays": {
			business: caps(c(checkout, v2), c(disc, v2, checkout), c(loyalty, v2, disc)),
			platform: caps(c(checkout, v2), c(disc, v2, checkout), c(loyalty, v2, disc)),
			want:     map[string]string{checkout: v2, disc: v2, loyalty: v2},
		},
		"the business's parents count, not the platform's": {
			business: caps(c(checkout, v2), c(ful, v2, checkout)),
			platform: caps(c(checkout, v2), c(ful, v2, cart)),
			want:     map[string]string{checkout: v2, ful: v2},
		},
		"empty platform": {
			business: caps(c(checkout, v2)),
			want:     map[string]string{},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Intersect(tc.business, tc.platform)); diff != "" {
				t.Errorf("Intersect (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResponseCapabilities checks "Response Capability Selection": a
// checkout response lists checkout and its extensions, an order response
// order alone.
func TestResponseCapabilities(t *testing.T) {
	t.Parallel()
	all := map[string]string{}
	for _, name := range Served {
		all[name] = ucp.Version
	}
	ref := []VersionRef{{Version: ucp.Version}}
	tests := map[string]struct {
		negotiated map[string]string
		root       string
		want       map[string][]VersionRef
	}{
		"checkout": {negotiated: all, root: ucp.CapCheckout,
			want: map[string][]VersionRef{ucp.CapCheckout: ref, ucp.CapFulfillment: ref, ucp.CapDiscount: ref}},
		"checkout without discount": {negotiated: map[string]string{ucp.CapCheckout: ucp.Version, ucp.CapFulfillment: ucp.Version, ucp.CapOrder: ucp.Version},
			root: ucp.CapCheckout, want: map[string][]VersionRef{ucp.CapCheckout: ref, ucp.CapFulfillment: ref}},
		"order":            {negotiated: all, root: ucp.CapOrder, want: map[string][]VersionRef{ucp.CapOrder: ref}},
		"catalog search":   {negotiated: all, root: ucp.CapCatalogSearch, want: map[string][]VersionRef{ucp.CapCatalogSearch: ref}},
		"root not agreed":  {negotiated: map[string]string{ucp.CapCheckout: ucp.Version}, root: ucp.CapOrder, want: map[string][]VersionRef{}},
		"nothing agreed":   {negotiated: map[string]string{}, root: ucp.CapCheckout, want: map[string][]VersionRef{}},
		"nil platform too": {root: ucp.CapCheckout, want: map[string][]VersionRef{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var p *ucp.Platform
			if tc.negotiated != nil {
				p = &ucp.Platform{Capabilities: tc.negotiated}
			}
			if diff := cmp.Diff(tc.want, ResponseCapabilities(p, tc.root)); diff != "" {
				t.Errorf("ResponseCapabilities (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseAgentHeader(t *testing.T) {
	t.Parallel()
	const profile = "https://agent.example/profiles/shopping-agent.json"
	tests := map[string]struct {
		values []string
		want   string
	}{
		"spec's example":           {values: []string{`profile="` + profile + `"`}, want: profile},
		"other members ignored":    {values: []string{`version=1, profile="` + profile + `";x=1, y=?0`}, want: profile},
		"split over header lines":  {values: []string{`a=1`, `profile="` + profile + `"`}, want: profile},
		"missing header":           {},
		"empty header":             {values: []string{""}},
		"no profile member":        {values: []string{`agent="x"`}},
		"token, not a string":      {values: []string{`profile=https`}},
		"integer":                  {values: []string{`profile=1`}},
		"inner list":               {values: []string{`profile=("` + profile + `")`}},
		"unquoted URL":             {values: []string{`profile=https://agent.example/p`}},
		"unterminated string":      {values: []string{`profile="https://agent.example/p`}},
		"empty string":             {values: []string{`profile=""`}},
		"bare key is a boolean":    {values: []string{`profile`}},
		"upper-case key":           {values: []string{`Profile="` + profile + `"`}},
		"non-ASCII in the string":  {values: []string{"profile=\"https://agent.example/\u00e9\""}},
		"JSON instead of a header": {values: []string{`{"profile":"` + profile + `"}`}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseAgentHeader(tc.values)
			if tc.want != "" {
				if err != nil || got != tc.want {
					t.Fatalf("ParseAgentHeader = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			var ue *ucp.Error
			if !errors.As(err, &ue) || ue.Code != ucp.CodeInvalidProfileURL || ue.Status != http.StatusBadRequest {
				t.Fatalf("ParseAgentHeader = %q, %v; want invalid_profile_url 400", got, err)
			}
		})
	}
}

// FuzzParseAgentHeader checks that no header panics and that every
// refusal is invalid_profile_url.
func FuzzParseAgentHeader(f *testing.F) {
	for _, seed := range []string{`profile="https://a.example/p"`, `profile=1, a=?1`, `profile=("x");y`, `"`, `profile="\"`, "profile=%\"x\""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got, err := ParseAgentHeader([]string{header})
		if err == nil {
			if got == "" {
				t.Fatalf("accepted %q with an empty profile", header)
			}
			return
		}
		var ue *ucp.Error
		if !errors.As(err, &ue) || ue.Code != ucp.CodeInvalidProfileURL {
			t.Fatalf("error %v for %q", err, header)
		}
	})
}
