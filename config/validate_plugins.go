package config

import (
	"regexp"
	"strings"
	"time"
)

// Bounds of the plugin settings. docs/configuration.md documents each.
const (
	// MaxPluginTimeout is the longest plugins[].timeout.
	MaxPluginTimeout = 5 * time.Minute
	// MinPluginHealthInterval is the shortest plugins[].health_interval.
	MinPluginHealthInterval = time.Second
)

var (
	// namePattern matches a plugin or feed name.
	namePattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
	// sha256Pattern matches a lower-cased hex SHA-256 digest.
	sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// addBadName reports a plugin or feed name at path that namePattern does
// not match.
func addBadName(ps *problems, path, name string) {
	ps.add(path, "%q must start with a lower-case letter followed by at most 62 lower-case letters, digits, '_' and '-'", name)
}

// mistyped stands in for a capability whose value was discarded for its
// type: it names no provider, so that validation takes the capability
// neither for built in (which would require its section) nor for a plugin
// (which would leave other plugins serving nothing). What validation says
// about the value itself lies at the type error's path, so combine drops
// it, and only the type error is reported.
const mistyped = "\x00mistyped"

// markMistyped sets to mistyped every capability whose value a shape
// problem discarded: one at capabilities.<name>, or at capabilities
// itself.
func (c *Config) markMistyped(shape []Problem) {
	caps := map[string]*string{
		CapabilityCatalog: &c.Capabilities.Catalog, CapabilityTax: &c.Capabilities.Tax,
		CapabilityShipping: &c.Capabilities.Shipping, CapabilityFulfillment: &c.Capabilities.Fulfillment,
	}
	for _, p := range shape {
		for name, v := range caps {
			if within("capabilities."+name, p.Path) {
				*v = mistyped
			}
		}
	}
}

// builtinServes reports whether the built-in provider serves a capability
// whose provider is written as provider. An empty provider, which
// SetDefaults turns into Builtin, counts as built in.
func builtinServes(provider string) bool {
	return provider == Builtin || provider == ""
}

// validatePlugins checks the plugins, then the capabilities against them:
// every capability names Builtin or a plugin and, once every capability
// does, every plugin serves at least one capability.
func (c *Config) validatePlugins(ps *problems) {
	var names []string // in document order, each once
	first := map[string]int{}
	for i, p := range c.Plugins {
		path := indexPath("plugins", i)
		switch j, dup := first[p.Name]; {
		case p.Name == "":
			ps.add(path+".name", "is required")
		case dup:
			ps.add(path+".name", "duplicate plugin name %q (also plugins[%d])", p.Name, j)
		default:
			first[p.Name] = i
			names = append(names, p.Name)
			switch {
			case p.Name == Builtin:
				ps.add(path+".name", "%q is reserved for the built-in providers; choose another name", Builtin)
			case !namePattern.MatchString(p.Name):
				addBadName(ps, path+".name", p.Name)
			}
		}
		p.validate(path, ps)
	}
	served := map[string]bool{}
	resolved := true
	for _, u := range c.Capabilities.Each() {
		path := "capabilities." + u.Capability
		_, known := first[u.Provider]
		switch {
		case u.Provider == Builtin:
		case known:
			served[u.Provider] = true
		case u.Provider == "":
			ps.add(path, "must be %q or the name of a plugin, got %q", Builtin, u.Provider)
		case len(names) == 0:
			resolved = false
			ps.addCrossRef(path, "no plugin named %q (no plugins are configured): use %q, or add the plugin under plugins%s", u.Provider, Builtin, didYouMean(u.Provider, []string{Builtin}))
		default:
			resolved = false
			ps.addCrossRef(path, "no plugin named %q (configured: %s)%s", u.Provider, strings.Join(names, ", "), didYouMean(u.Provider, append([]string{Builtin}, names...)))
		}
	}
	if !resolved {
		// A capability meant for a plugin names none (a typo, or a value
		// discarded for its type): which plugins serve nothing is unknown.
		return
	}
	for _, name := range names {
		if name != Builtin && !served[name] {
			ps.add(indexPath("plugins", first[name]), "plugin %q serves no capability; name it under capabilities or remove it", name)
		}
	}
}

// validate checks one plugin's settings other than its name.
func (p *Plugin) validate(path string, ps *problems) {
	if strings.TrimSpace(p.Command) == "" {
		ps.add(path+".command", "is required: the path of the plugin binary")
	}
	if p.SHA256 != "" && !sha256Pattern.MatchString(p.SHA256) {
		ps.add(path+".sha256", "must be the SHA-256 digest of the plugin binary as 64 hexadecimal digits (as sha256sum prints it), got %q", p.SHA256)
	}
	seen := map[string]int{}
	for i, name := range p.Env {
		envPath := indexPath(path+".env", i)
		switch j, dup := seen[name]; {
		case !envVarPattern.MatchString(name):
			ps.add(envPath, "%q is not an environment variable name: use letters, digits and '_', not starting with a digit", name)
		case dup:
			ps.add(envPath, "duplicate variable %q (also env[%d])", name, j)
		default:
			seen[name] = i
		}
	}
	if p.Timeout <= 0 || p.Timeout > MaxPluginTimeout {
		ps.add(path+".timeout", "must be a positive duration of at most 5m, got %s", p.Timeout)
	}
	if p.StartTimeout <= 0 {
		ps.add(path+".start_timeout", "must be a positive duration, got %s", p.StartTimeout)
	}
	if p.HealthInterval < MinPluginHealthInterval {
		ps.add(path+".health_interval", "must be at least 1s, got %s", p.HealthInterval)
	}
	b := p.RestartBackoff
	if b.Initial <= 0 {
		ps.add(path+".restart_backoff.initial", "must be a positive duration, got %s", b.Initial)
	} else if b.Max < b.Initial {
		ps.add(path+".restart_backoff.max", "must be at least initial (%s), got %s", b.Initial, b.Max)
	}
	if p.Circuit.Failures < 1 {
		ps.add(path+".circuit.failures", "must be at least 1, got %d", p.Circuit.Failures)
	}
	if p.Circuit.Cooldown <= 0 {
		ps.add(path+".circuit.cooldown", "must be a positive duration, got %s", p.Circuit.Cooldown)
	}
}
