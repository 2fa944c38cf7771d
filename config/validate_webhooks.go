package config

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/internal/netguard"
)

// validateWebhooks checks every agent's webhooks against the delivery
// settings.
func (c *Config) validateWebhooks(ps *problems) {
	secretEnvs := map[string]string{}
	for i, a := range c.Agents {
		names := map[string]int{}
		for j, w := range a.Webhooks {
			path := fmt.Sprintf("agents[%d].webhooks[%d]", i, j)
			switch k, dup := names[w.Name]; {
			case strings.TrimSpace(w.Name) == "":
				ps.add(path+".name", "is required")
			case dup:
				ps.add(path+".name", "duplicate webhook name %q (also webhooks[%d] of this agent)", w.Name, k)
			default:
				names[w.Name] = j
			}
			if msg := checkWebhookURL(w.URL, c.WebhookDelivery.AllowPrivateNetworks); msg != "" {
				ps.add(path+".url", "%s", msg)
			}
			switch other, dup := secretEnvs[w.SecretEnv]; {
			case w.SecretEnv == "":
				ps.add(path+".secret_env", "is required: the environment variable holding the HMAC secret shared with the agent")
			case !envVarPattern.MatchString(w.SecretEnv):
				ps.add(path+".secret_env", "%q is not an environment variable name", w.SecretEnv)
			case dup && other != a.Name:
				ps.add(path+".secret_env", "agent %q's webhooks use the same variable; each agent needs its own secret", other)
			default:
				secretEnvs[w.SecretEnv] = a.Name
			}
			if len(w.Events) == 0 {
				ps.add(path+".events", "at least one event type is required (%s); leave the key out for all", oneOf(WebhookEvents))
			}
			for k, e := range w.Events {
				if !slices.Contains(WebhookEvents, e) {
					ps.add(indexPath(path+".events", k), "must be one of %s, got %q", oneOf(WebhookEvents), e)
				}
			}
			if w.MaxAttempts < 1 || w.MaxAttempts > 1000 {
				ps.add(path+".max_attempts", "must be from 1 to 1000, got %d", w.MaxAttempts)
			}
			if w.MaxAge < time.Minute {
				ps.add(path+".max_age", "must be at least 1m, got %s", w.MaxAge)
			}
		}
	}
}

// checkWebhookURL returns why raw cannot be a webhook URL, or "". Without
// allowPrivate it must be https and must not name a loopback, private or
// link-local address; the deliverer checks the addresses a host name
// resolves to when it connects.
func checkWebhookURL(raw string, allowPrivate bool) string {
	if raw == "" {
		return "is required: the agent's order event receiver"
	}
	if msg := checkHTTPURL(raw); msg != "" {
		return msg
	}
	u, _ := url.Parse(raw) // checkHTTPURL parsed it
	if u.User != nil {
		return "must not contain user information; the request is authenticated by its signature"
	}
	if allowPrivate {
		return ""
	}
	if u.Scheme != "https" {
		return "must be https (plain http only with webhook_delivery.allow_private_networks)"
	}
	return checkPublicHost(u.Hostname(), "webhook_delivery.allow_private_networks")
}

// checkPublicHost returns why host (of an outbound URL) is not a public
// one, naming setting as what allows it, or "". The dialer's rule, by
// form: trailing dots, short and numeric IPv4 forms and IPv4-mapped IPv6
// are seen through. A host outside ASCII is judged in the form the client
// looks up (full-width １２７。０。０。１ is 127.0.0.1).
func checkPublicHost(host, setting string) string {
	ascii, err := netguard.ASCIIHost(host)
	if err != nil {
		return fmt.Sprintf("%q is not a valid host name: IDNA mapping refuses it", host)
	}
	switch err := netguard.CheckHost(ascii); {
	case errors.Is(err, netguard.ErrNonCanonical):
		addr, _, _ := netguard.ParseIP(ascii)
		return fmt.Sprintf("%s is the address %s written in another form; write it as %s", host, addr, addr)
	case err != nil:
		if addr, _, ok := netguard.ParseIP(strings.ToLower(ascii)); ok && addr.Unmap().String() != host {
			host = fmt.Sprintf("%s (%s)", host, addr.Unmap())
		} else if ascii != host {
			host = fmt.Sprintf("%s (%s)", host, ascii)
		}
		return fmt.Sprintf("%s is an internal address (loopback, private, link-local or reserved); set %s to allow it", host, setting)
	}
	return ""
}

// checkRetries checks the timing of a section of outbound requests
// retried with backoff (webhook_delivery, feed_publishing): a request's
// timeout from 100ms to 5m, an initial backoff of at least 10ms, and a
// longest backoff of at least the initial one.
func checkRetries(section string, timeout, initialBackoff, maxBackoff time.Duration, ps *problems) {
	if timeout < 100*time.Millisecond || timeout > 5*time.Minute {
		ps.add(section+".timeout", "must be from 100ms to 5m, got %s", timeout)
	}
	if initialBackoff < 10*time.Millisecond {
		ps.add(section+".initial_backoff", "must be at least 10ms, got %s", initialBackoff)
	}
	if maxBackoff < initialBackoff {
		ps.add(section+".max_backoff", "must be at least initial_backoff (%s), got %s", initialBackoff, maxBackoff)
	}
}

// validate checks the webhook_delivery section.
func (d *WebhookDelivery) validate(ps *problems) {
	checkRetries("webhook_delivery", d.Timeout, d.InitialBackoff, d.MaxBackoff, ps)
	if d.Workers < 1 || d.Workers > 256 {
		ps.add("webhook_delivery.workers", "must be from 1 to 256, got %d", d.Workers)
	}
}
