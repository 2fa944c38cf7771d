package host

import (
	"crypto/subtle"
	"fmt"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/payment/stripe"
	"github.com/acp-sidecar/acp/core/signature"
	"github.com/acp-sidecar/acp/core/store/pgstore"
)

// CheckSecrets checks the secrets acp.yaml names in the environment, as
// getenv reads it: every variable set, and each value of the form its use
// needs (the store key, a signing secret, a Stripe key, a webhook signing
// secret), the merchant token unlike every agent's, and every feed
// target's credential. It returns every problem, at the path of the key
// that names the variable, and never a value. New refuses to start on
// any, and `acp check --live` lists them, so the two cannot disagree.
func CheckSecrets(cfg *config.Config, getenv func(string) string) []config.Problem {
	c := secretCheck{getenv: getenv}
	c.agents(cfg.Agents)
	c.payments(cfg.Payments.Handlers)
	c.merchantAPI(cfg.MerchantAPI, cfg.Agents)
	c.checkUCPKeys(cfg.UCP)
	for i, f := range cfg.Feeds {
		path := fmt.Sprintf("feeds[%d].token_env", i)
		if token, ok := c.variable(path, f.TokenEnv); ok && !httpguts.ValidHeaderFieldValue(token) {
			c.add(path, "environment variable %s must hold a value an HTTP header can carry: no control characters such as line breaks", f.TokenEnv)
		}
	}
	if env := cfg.Store.EncryptionKeyEnv; env != "" {
		if _, ok := c.variable("store.encryption_key_env", env); ok {
			if _, err := encryptionKey(env, getenv); err != nil {
				c.add("store.encryption_key_env", "environment variable %s must hold a 32-byte key as 64 hex characters", env)
			}
		}
	}
	if cfg.Store.Driver == config.StorePostgres && cfg.Store.Postgres.DSNEnv != "" {
		if dsn, ok := c.variable("store.postgres.dsn_env", cfg.Store.Postgres.DSNEnv); ok {
			if err := pgstore.CheckDSN(dsn); err != nil {
				c.add("store.postgres.dsn_env", "environment variable %s must hold a PostgreSQL connection string (a postgres:// URL or key=value pairs)", cfg.Store.Postgres.DSNEnv)
			}
		}
	}
	return c.problems
}

// secretCheck collects the problems of CheckSecrets.
type secretCheck struct {
	getenv   func(string) string
	problems []config.Problem
}

// add records a problem at path.
func (c *secretCheck) add(path, format string, args ...any) {
	c.problems = append(c.problems, config.Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// variable reads the environment variable the key at path names, and
// reports it when it is unset or empty.
func (c *secretCheck) variable(path, name string) (string, bool) {
	v := c.getenv(name)
	if v == "" {
		c.add(path, "environment variable %s is not set or empty", name)
		return "", false
	}
	return v, true
}

// agents checks every agent's token, signing secret and webhook secrets.
func (c *secretCheck) agents(agents []config.Agent) {
	for i, a := range agents {
		path := fmt.Sprintf("agents[%d]", i)
		if a.TokenEnv != "" {
			c.variable(path+".token_env", a.TokenEnv)
		}
		if s := a.Signature; s != nil && signature.Scheme(s.Scheme) == signature.HMACSHA256 {
			if secret, ok := c.variable(path+".signature.secret_env", s.SecretEnv); ok {
				if _, err := signature.NewHMAC([]byte(secret), s.MaxSkew); err != nil {
					c.add(path+".signature.secret_env", "environment variable %s: %v", s.SecretEnv, err)
				}
			}
		}
		for j, w := range a.Webhooks {
			c.variable(fmt.Sprintf("%s.webhooks[%d].secret_env", path, j), w.SecretEnv)
		}
	}
}

// payments checks the Stripe handlers' secrets.
func (c *secretCheck) payments(handlers []config.PaymentHandler) {
	for i, h := range handlers {
		if h.Stripe == nil || h.Kind != "stripe" {
			continue
		}
		path := fmt.Sprintf("payments.handlers[%d].stripe", i)
		if key, ok := c.variable(path+".secret_key_env", h.Stripe.SecretKeyEnv); ok {
			// The same check as the handler's; the key itself is never
			// printed.
			if _, err := stripe.New(stripe.Config{ID: h.ID, MerchantID: h.MerchantID, SecretKey: key}); err != nil {
				c.add(path+".secret_key_env", "environment variable %s: %v", h.Stripe.SecretKeyEnv, err)
			}
		}
		if env := h.Stripe.WebhookSecretEnv; env != "" {
			if v, ok := c.variable(path+".webhook_secret_env", env); ok && !strings.HasPrefix(v, "whsec_") {
				c.add(path+".webhook_secret_env", "environment variable %s must hold the endpoint's signing secret (whsec_…)", env)
			}
		}
	}
}

// merchantAPI checks the merchant token and that no agent shares it.
func (c *secretCheck) merchantAPI(m config.MerchantAPI, agents []config.Agent) {
	if m.TokenEnv == "" {
		return
	}
	token, ok := c.variable("merchant_api.token_env", m.TokenEnv)
	if !ok {
		return
	}
	for i, a := range agents {
		other := a.LocalOnlyToken
		if a.TokenEnv != "" {
			other = c.getenv(a.TokenEnv)
		}
		if other != "" && subtle.ConstantTimeCompare([]byte(token), []byte(other)) == 1 {
			c.add("merchant_api.token_env", "the merchant token is the same as agents[%d]'s token; each needs its own", i)
		}
	}
}
