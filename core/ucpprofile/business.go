package ucpprofile

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/internal/ucpdoc"
)

// BusinessCacheControl is the Cache-Control of the business profile:
// public, and cached at least the 60 seconds overview.md requires.
const BusinessCacheControl = "public, max-age=300"

// offering is a capability this build can serve: where its spec and
// schema are, relative to the release's site, and its parent when it is
// an extension.
type offering struct {
	spec, schema string
	extends      string
}

// offerings are the capabilities this build can serve, with the URLs the
// release's examples give them.
var offerings = map[string]offering{
	ucp.CapCheckout:      {spec: "checkout", schema: "shopping/checkout.json"},
	ucp.CapFulfillment:   {spec: "fulfillment", schema: "shopping/fulfillment.json", extends: ucp.CapCheckout},
	ucp.CapDiscount:      {spec: "discount", schema: "shopping/discount.json", extends: ucp.CapCheckout},
	ucp.CapOrder:         {spec: "order", schema: "shopping/order.json"},
	ucp.CapCatalogSearch: {spec: "catalog/search", schema: "shopping/catalog_search.json"},
	ucp.CapCatalogLookup: {spec: "catalog/lookup", schema: "shopping/catalog_lookup.json"},
}

// Served lists the capabilities this build can serve, roots before the
// extensions of them: what ucp.capabilities in acp.yaml may name.
var Served = []string{ucp.CapCheckout, ucp.CapFulfillment, ucp.CapDiscount, ucp.CapOrder, ucp.CapCatalogSearch, ucp.CapCatalogLookup}

// site is the release's site, where its spec pages and schemas are.
const site = "https://ucp.dev/" + ucp.Version + "/"

// Business is what the business profile is built from.
type Business struct {
	// PublicURL is the origin agents reach the server at
	// (https://shop.example).
	PublicURL string
	// BasePath is the path of the REST binding ("/ucp").
	BasePath string
	// MCPPath is the path of the MCP binding; empty when it is not served.
	MCPPath string
	// Capabilities are the capabilities offered, by name, each one of
	// Served; an extension needs its parent.
	Capabilities []string
	// PaymentHandlers are the payment handlers offered over UCP.
	PaymentHandlers []payment.UCPHandler
	// SigningKeys are the business's public keys, as JWKs.
	SigningKeys []json.RawMessage
}

// profileEntry is an entry of a business profile registry
// (ucp.json#/$defs/entity and its service, capability and handler
// branches).
type profileEntry struct {
	ID                   string           `json:"id,omitempty"`
	Version              string           `json:"version"`
	Spec                 string           `json:"spec,omitempty"`
	Schema               string           `json:"schema,omitempty"`
	Transport            string           `json:"transport,omitempty"`
	Endpoint             string           `json:"endpoint,omitempty"`
	Extends              string           `json:"extends,omitempty"`
	AvailableInstruments []map[string]any `json:"available_instruments,omitempty"`
	Config               map[string]any   `json:"config,omitempty"`
}

// BusinessProfile builds the document served at /.well-known/ucp: the
// release's version, the shopping service's REST binding (and MCP's when
// served) at the public URL, the capabilities offered with their spec and
// schema URLs, the payment handlers and the public signing keys. It
// refuses inputs that would make a profile the release's schema rejects,
// a capability it cannot serve, an extension without its parent, and a
// signing key that is not a sane public JWK.
func BusinessProfile(b Business) ([]byte, error) {
	origin, err := checkOrigin(b.PublicURL)
	if err != nil {
		return nil, err
	}
	for _, p := range []struct{ name, path string }{{"base path", b.BasePath}, {"MCP path", b.MCPPath}} {
		if p.path != "" && (!strings.HasPrefix(p.path, "/") || strings.HasSuffix(p.path, "/") || strings.ContainsAny(p.path, "?#")) {
			return nil, fmt.Errorf("%s %q is not an absolute path without a trailing /", p.name, p.path)
		}
	}
	if b.BasePath == "" {
		return nil, errors.New("the base path is required")
	}
	services := []profileEntry{{
		Version: ucp.Version, Spec: site + "specification/overview", Transport: "rest",
		Schema: site + "services/shopping/rest.openapi.json", Endpoint: origin + b.BasePath,
	}}
	if b.MCPPath != "" {
		services = append(services, profileEntry{
			Version: ucp.Version, Spec: site + "specification/overview", Transport: "mcp",
			Schema: site + "services/shopping/mcp.openrpc.json", Endpoint: origin + b.MCPPath,
		})
	}
	caps, err := capabilityEntries(b.Capabilities)
	if err != nil {
		return nil, err
	}
	handlers, err := handlerEntries(b.PaymentHandlers)
	if err != nil {
		return nil, err
	}
	for i, k := range b.SigningKeys {
		switch jwk, err := ucpdoc.ParseJWK(k); {
		case err != nil:
			return nil, fmt.Errorf("signing key %d: %w", i, err)
		case jwk.Private:
			return nil, fmt.Errorf("signing key %q holds its private part; the profile publishes public keys only", jwk.KeyID)
		}
	}
	doc := struct {
		UCP struct {
			Version         string                          `json:"version"`
			Services        map[string][]profileEntry       `json:"services"`
			Capabilities    map[string][]profileEntry       `json:"capabilities"`
			PaymentHandlers map[string][]payment.UCPHandler `json:"payment_handlers"`
		} `json:"ucp"`
		SigningKeys []json.RawMessage `json:"signing_keys,omitempty"`
	}{SigningKeys: b.SigningKeys}
	doc.UCP.Version = ucp.Version
	doc.UCP.Services = map[string][]profileEntry{ucp.ServiceShopping: services}
	doc.UCP.Capabilities = caps
	doc.UCP.PaymentHandlers = handlers
	return json.Marshal(doc)
}

// checkOrigin returns the public URL as an origin without a trailing /,
// or why it is not one.
func checkOrigin(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		strings.Trim(u.Path, "/") != "" {
		return "", fmt.Errorf("public URL %q is not an http(s) origin such as https://shop.example", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

// capabilityEntries are the registry entries of the capabilities offered.
func capabilityEntries(names []string) (map[string][]profileEntry, error) {
	out := map[string][]profileEntry{}
	for _, name := range names {
		o, ok := offerings[name]
		if !ok {
			return nil, fmt.Errorf("capability %q is not one this build serves (%s)", name, strings.Join(Served, ", "))
		}
		if o.extends != "" && !slices.Contains(names, o.extends) {
			return nil, fmt.Errorf("capability %s extends %s, which is not offered", name, o.extends)
		}
		out[name] = []profileEntry{{Version: ucp.Version, Spec: site + "specification/" + o.spec, Schema: site + "schemas/" + o.schema, Extends: o.extends}}
	}
	return out, nil
}

// handlerEntries are the payment_handlers registry of the handlers.
func handlerEntries(handlers []payment.UCPHandler) (map[string][]payment.UCPHandler, error) {
	ids := map[string]bool{}
	for _, h := range handlers {
		switch {
		case !ucpdoc.IsName(h.Name):
			return nil, fmt.Errorf("payment handler name %q is not a reverse-domain name", h.Name)
		case h.ID == "":
			return nil, fmt.Errorf("payment handler %s has no id", h.Name)
		case ids[h.ID]:
			return nil, fmt.Errorf("payment handler id %q is used twice", h.ID)
		case !ucpdoc.IsVersion(h.Version):
			return nil, fmt.Errorf("payment handler %s: version %q is not a date", h.ID, h.Version)
		}
		ids[h.ID] = true
	}
	return payment.UCPRegistry(handlers), nil
}
