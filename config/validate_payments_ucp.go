package config

import (
	"net/url"
	"regexp"
)

// PaymentHandlerUCP offers a payment handler over UCP as a processor
// tokenizer: the platform has the buyer's card tokenized by the
// processor and completes with a card instrument whose credential is
// {type: "token", token}. Without it the handler is offered over ACP
// only.
type PaymentHandlerUCP struct {
	// Name is the handler's key in UCP's payment_handlers registry, a
	// reverse-domain name; empty advertises dev.ucp.processor_tokenizer.
	Name string `koanf:"name"`
	// PublishableKey is the Stripe publishable key (pk_live_… or
	// pk_test_…) advertised for the platform's tokenization; kind stripe
	// only.
	PublishableKey string `koanf:"publishable_key"`
	// ChallengeReturnURL lets a payment that needs 3-D Secure send the
	// buyer to a challenge page, answered as requires_escalation
	// (requires_3ds), after which the platform completes again: the buyer
	// lands here after the challenge. Stripe's challenge page returns the
	// buyer to it; the sandbox has no issuer and sends the buyer straight
	// to it, taking the challenge as passed. Without it such a payment is
	// declined over UCP.
	ChallengeReturnURL string `koanf:"challenge_return_url"`
}

var (
	// reverseDomainName is UCP's reverse_domain_name.json pattern.
	reverseDomainName = regexp.MustCompile(`^[a-z][a-z0-9]*(?:\.[a-z][a-z0-9_]*)+$`)
	// publishableKey is a Stripe publishable key.
	publishableKey = regexp.MustCompile(`^pk_(?:live|test)_[A-Za-z0-9]+$`)
)

// validate checks a handler's UCP settings; kind is the handler's kind.
func (u *PaymentHandlerUCP) validate(path, kind string, ps *problems) {
	if u.Name != "" && !reverseDomainName.MatchString(u.Name) {
		ps.add(path+".name", "must be a reverse-domain name of lower-case segments (e.g. com.example.processor_tokenizer), got %q", u.Name)
	}
	switch {
	case u.PublishableKey == "":
	case kind != "stripe":
		ps.add(path+".publishable_key", "is only for kind stripe")
	case !publishableKey.MatchString(u.PublishableKey):
		ps.add(path+".publishable_key", "must be a Stripe publishable key (pk_live_… or pk_test_…), never a secret key")
	}
	// A page the buyer's browser opens: https, or plain http on a
	// loopback host for a local demo.
	if r := u.ChallengeReturnURL; r != "" {
		if msg := checkHTTPURL(r); msg != "" {
			ps.add(path+".challenge_return_url", "%s", msg)
		} else if parsed, err := url.Parse(r); err == nil && parsed.Scheme != "https" && !isLoopback(parsed.Hostname()) {
			ps.add(path+".challenge_return_url", "must be https; plain http only on a loopback host, got %q", r)
		}
	}
}
