package ucpprofile

import (
	"slices"

	"github.com/acp-sidecar/acp/core/ucp"
)

// Capability is one version of a capability a party declares.
type Capability struct {
	// Name is the capability's reverse-domain name.
	Name string
	// Version is the capability version.
	Version string
	// Extends are the parents of an extension; empty for a root.
	Extends []string
}

// Intersect is overview.md's intersection algorithm: the business's
// capabilities the platform also declares, each at the highest version
// both declare (a capability with no mutual version is left out), then
// the extensions none of whose parents are left pruned, again until none
// is. An extension's parents are those the business declares for the
// version chosen. The result maps each name to its version.
func Intersect(business, platform []Capability) map[string]string {
	platformVersions := map[string][]string{}
	for _, c := range platform {
		platformVersions[c.Name] = append(platformVersions[c.Name], c.Version)
	}
	chosen := map[string]Capability{}
	for _, c := range business {
		if !slices.Contains(platformVersions[c.Name], c.Version) {
			continue
		}
		// Dated versions (YYYY-MM-DD) order as strings do.
		if prev, ok := chosen[c.Name]; !ok || c.Version > prev.Version {
			chosen[c.Name] = c
		}
	}
	for pruned := true; pruned; {
		pruned = false
		for name, c := range chosen {
			if len(c.Extends) == 0 {
				continue
			}
			if !slices.ContainsFunc(c.Extends, func(p string) bool { _, ok := chosen[p]; return ok }) {
				delete(chosen, name)
				pruned = true
			}
		}
	}
	out := make(map[string]string, len(chosen))
	for name, c := range chosen {
		out[name] = c.Version
	}
	return out
}

// offered are the business's capabilities for Intersect: each name at the
// release's version, with its parent.
func offered(names []string) []Capability {
	out := make([]Capability, 0, len(names))
	for _, name := range names {
		c := Capability{Name: name, Version: ucp.Version}
		if p := offerings[name].extends; p != "" {
			c.Extends = []string{p}
		}
		out = append(out, c)
	}
	return out
}

// VersionRef is a capability's entry in a response's ucp.capabilities.
type VersionRef struct {
	Version string `json:"version"`
}

// ResponseCapabilities is ucp.capabilities of a response whose root
// capability is root (overview.md, "Response Capability Selection"): the
// negotiated capabilities relevant to it, root itself and the extensions
// of it. Checkout responses (root ucp.CapCheckout) list checkout,
// fulfillment and discount as negotiated; order responses and order
// webhooks (ucp.CapOrder) list order; catalog responses their catalog
// capability. It is empty when root was not negotiated.
func ResponseCapabilities(p *ucp.Platform, root string) map[string][]VersionRef {
	out := map[string][]VersionRef{}
	if !p.Has(root) {
		return out
	}
	for name, version := range p.Capabilities {
		if name == root || offerings[name].extends == root {
			out[name] = []VersionRef{{Version: version}}
		}
	}
	return out
}
