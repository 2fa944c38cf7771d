package ucpdoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Platform is what a valid platform profile declares that the business
// uses: its protocol version, its capabilities and its signing keys.
type Platform struct {
	// Version is ucp.version.
	Version string
	// Capabilities are ucp.capabilities, by name.
	Capabilities map[string][]Capability
	// SigningKeys are signing_keys, each a public JWK as written.
	SigningKeys []json.RawMessage
}

// Capability is one entry of a capability in a profile.
type Capability struct {
	// Version is the capability version.
	Version string
	// Extends are the parent capabilities of an extension; empty for a
	// root capability.
	Extends []string
	// Config is the entry's config object; nil when absent.
	Config map[string]any
}

// Problem is one way a document breaks the rules, at a path within it
// written as config paths are: ucp.capabilities["dev.ucp.shopping.order"][0].spec.
type Problem struct {
	Path, Message string
}

// String formats the problem as "path: message".
func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Invalid is the error of a document that breaks the rules: every
// problem found, in document order.
type Invalid struct {
	Problems []Problem
}

// Error names the first problem and counts the others.
func (e *Invalid) Error() string {
	msg := e.Problems[0].String()
	if n := len(e.Problems) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more)", n)
	}
	return msg
}

// versionPattern is a UCP version (ucp.json#/$defs/version).
var versionPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// namePattern is a reverse-domain name
// (shopping/types/reverse_domain_name.json).
var namePattern = regexp.MustCompile(`^[a-z][a-z0-9]*(?:\.[a-z][a-z0-9_]*)+$`)

// transports are service.json's transport values.
var transports = []string{"rest", "mcp", "a2a", "embedded"}

// checker collects the problems of one document.
type checker struct{ problems []Problem }

func (c *checker) add(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// ParsePlatform parses and checks a platform profile against the platform
// branch of the release's profile schema: a ucp object with a dated
// version, a services registry (each binding with a version, a known
// transport, a spec URL, and a schema URL except for a2a), a capabilities
// registry (each entry with a version, spec and schema URLs, and extends
// naming parents), a payment_handlers registry (each with an id, a
// version, spec and schema URLs) and signing_keys that are public JWKs
// ParseJWK accepts, with distinct kids. Names are reverse-domain names.
// Members it does not know are allowed, as the schema allows them. The
// error is *Invalid.
func ParsePlatform(data []byte) (*Platform, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, &Invalid{Problems: []Problem{{Message: "not valid JSON: " + err.Error()}}}
	}
	if dec.More() {
		return nil, &Invalid{Problems: []Problem{{Message: "not valid JSON: data after the document"}}}
	}
	return CheckPlatform(doc)
}

// CheckPlatform is ParsePlatform for a document already decoded (from
// JSON, or from YAML into the same shapes: objects as map[string]any,
// arrays as []any).
func CheckPlatform(doc any) (*Platform, error) {
	var c checker
	p := c.platform(doc)
	if len(c.problems) > 0 {
		return nil, &Invalid{Problems: c.problems}
	}
	return p, nil
}

func (c *checker) platform(doc any) *Platform {
	root, ok := doc.(map[string]any)
	if !ok {
		c.add("", "must be a JSON object, got %s", kind(doc))
		return nil
	}
	p := &Platform{Capabilities: map[string][]Capability{}}
	u, ok := root["ucp"].(map[string]any)
	if !ok {
		c.add("ucp", "is required: an object with version, services, capabilities and payment_handlers")
	} else {
		p.Version = c.version("ucp.version", u["version"])
		c.registry("ucp.services", u, true, func(path, _ string, e map[string]any) { c.service(path, e) })
		c.registry("ucp.capabilities", u, false, func(path, name string, e map[string]any) {
			if cp, ok := c.capability(path, e); ok {
				p.Capabilities[name] = append(p.Capabilities[name], cp)
			}
		})
		c.registry("ucp.payment_handlers", u, true, func(path, _ string, e map[string]any) { c.handler(path, e) })
	}
	p.SigningKeys = c.signingKeys(root["signing_keys"])
	return p
}

// registry checks ucp[key], a registry of reverse-domain names to arrays
// of entry objects, calling entry for each.
func (c *checker) registry(path string, u map[string]any, required bool, entry func(path, name string, e map[string]any)) {
	key := path[strings.LastIndexByte(path, '.')+1:]
	v, present := u[key]
	if !present {
		if required {
			c.add(path, "is required (an object, possibly empty)")
		}
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		c.add(path, "must be an object of names to arrays, got %s", kind(v))
		return
	}
	for _, name := range slices.Sorted(maps.Keys(m)) {
		namePath := keyPath(path, name)
		if !namePattern.MatchString(name) {
			c.add(namePath, "%q is not a reverse-domain name such as dev.ucp.shopping.checkout", name)
			continue
		}
		list, ok := m[name].([]any)
		if !ok {
			c.add(namePath, "must be an array, got %s", kind(m[name]))
			continue
		}
		for i, e := range list {
			ePath := namePath + "[" + strconv.Itoa(i) + "]"
			obj, ok := e.(map[string]any)
			if !ok {
				c.add(ePath, "must be an object, got %s", kind(e))
				continue
			}
			entry(ePath, name, obj)
		}
	}
}

// entity checks the members every entry shares (ucp.json#/$defs/entity):
// version, and the spec and schema URLs, id and config when present or
// required. It returns the version and the config.
func (c *checker) entity(path string, e map[string]any, needSpec, needSchema bool) (string, map[string]any) {
	version := c.version(path+".version", e["version"])
	c.uri(path+".spec", e["spec"], needSpec)
	c.uri(path+".schema", e["schema"], needSchema)
	if id, ok := e["id"]; ok {
		if _, isStr := id.(string); !isStr {
			c.add(path+".id", "must be a string, got %s", kind(id))
		}
	}
	config, ok := e["config"]
	if !ok {
		return version, nil
	}
	m, isObj := config.(map[string]any)
	if !isObj {
		c.add(path+".config", "must be an object, got %s", kind(config))
	}
	return version, m
}

// service checks a service binding (service.json#/$defs/platform_schema).
func (c *checker) service(path string, e map[string]any) {
	t, _ := e["transport"].(string)
	switch {
	case e["transport"] == nil:
		c.add(path+".transport", "is required: one of %s", strings.Join(transports, ", "))
	case !slices.Contains(transports, t):
		c.add(path+".transport", "must be one of %s, got %s", strings.Join(transports, ", "), describe(e["transport"]))
	}
	c.entity(path, e, true, t != "a2a")
	if ep, ok := e["endpoint"]; ok {
		c.uri(path+".endpoint", ep, true)
	}
}

// capability checks a capability entry (capability.json#/$defs/platform_schema).
func (c *checker) capability(path string, e map[string]any) (Capability, bool) {
	n := len(c.problems)
	var cp Capability
	cp.Version, cp.Config = c.entity(path, e, true, true)
	switch ext := e["extends"].(type) {
	case nil:
	case string:
		cp.Extends = []string{ext}
	case []any:
		if len(ext) == 0 {
			c.add(path+".extends", "must name at least one parent capability")
		}
		for _, p := range ext {
			s, ok := p.(string)
			if !ok {
				c.add(path+".extends", "must be a name or an array of names, got an array holding %s", kind(p))
				break
			}
			cp.Extends = append(cp.Extends, s)
		}
	default:
		c.add(path+".extends", "must be a name or an array of names, got %s", kind(ext))
	}
	for _, p := range cp.Extends {
		if !namePattern.MatchString(p) {
			c.add(path+".extends", "%q is not a reverse-domain capability name", p)
		}
	}
	return cp, len(c.problems) == n
}

// handler checks a payment handler entry (payment_handler.json#/$defs/platform_schema).
func (c *checker) handler(path string, e map[string]any) {
	if id, ok := e["id"].(string); !ok || id == "" {
		c.add(path+".id", "is required: a string naming this handler configuration")
	}
	c.entity(path, e, true, true)
	v, ok := e["available_instruments"]
	if !ok {
		return
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		c.add(path+".available_instruments", "must be a non-empty array")
		return
	}
	for i, inst := range list {
		ip := path + ".available_instruments[" + strconv.Itoa(i) + "]"
		m, ok := inst.(map[string]any)
		if !ok {
			c.add(ip, "must be an object, got %s", kind(inst))
			continue
		}
		if t, ok := m["type"].(string); !ok || t == "" {
			c.add(ip+".type", "is required: the instrument type, such as card")
		}
	}
}

// signingKeys checks signing_keys: public JWKs with distinct kids.
func (c *checker) signingKeys(v any) []json.RawMessage {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		c.add("signing_keys", "must be an array of JWKs, got %s", kind(v))
		return nil
	}
	var out []json.RawMessage
	kids := map[string]int{}
	for i, k := range list {
		path := "signing_keys[" + strconv.Itoa(i) + "]"
		m, ok := k.(map[string]any)
		if !ok {
			c.add(path, "must be a JWK object, got %s", kind(k))
			continue
		}
		jwk, err := parseJWK(m)
		switch j, dup := kids[jwk.KeyID]; {
		case err != nil:
			c.add(path, "%v", err)
			continue
		case jwk.Private:
			c.add(path, "is a private key (it has d); a profile publishes public keys only")
			continue
		case dup:
			c.add(path+".kid", "%q is also signing_keys[%d]'s; kids must be distinct", jwk.KeyID, j)
			continue
		}
		kids[jwk.KeyID] = i
		raw, err := json.Marshal(m)
		if err != nil {
			c.add(path, "cannot be encoded as JSON: %v", err)
			continue
		}
		out = append(out, raw)
	}
	return out
}

// version checks a required dated version.
func (c *checker) version(path string, v any) string {
	s, ok := v.(string)
	switch {
	case v == nil:
		c.add(path, "is required: a date such as 2026-04-08")
	case !ok || !versionPattern.MatchString(s):
		c.add(path, "must be a date such as 2026-04-08, got %s", describe(v))
	}
	return s
}

// uri checks an absolute URL member, required or not.
func (c *checker) uri(path string, v any, required bool) {
	if v == nil {
		if required {
			c.add(path, "is required: an absolute URL")
		}
		return
	}
	s, ok := v.(string)
	if !ok {
		c.add(path, "must be an absolute URL, got %s", kind(v))
		return
	}
	if u, err := url.Parse(s); err != nil || u.Scheme == "" {
		c.add(path, "must be an absolute URL, got %q", s)
	}
}

// plainKey matches registry names that can follow a dot in a path.
var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// keyPath appends a name to a path: "a.b", or `a["b.c"]`.
func keyPath(base, key string) string {
	if plainKey.MatchString(key) {
		return base + "." + key
	}
	return base + "[" + strconv.Quote(key) + "]"
}

// kind names the JSON type of a decoded value.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64, int, int64, uint64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// describe quotes a string value and names the type of any other.
func describe(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return kind(v)
}

// IsName reports whether s is a reverse-domain name, as capability,
// service and payment handler names are (dev.ucp.shopping.checkout).
func IsName(s string) bool { return namePattern.MatchString(s) }

// IsVersion reports whether s is a dated UCP version (2026-04-08).
func IsVersion(s string) bool { return versionPattern.MatchString(s) }
