package host

import (
	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/core/payment/stripe"
)

// sandboxUCP is a sandbox handler's UCP offer; nil when the handler is
// not offered over UCP.
func sandboxUCP(u *config.PaymentHandlerUCP) *sandbox.UCPConfig {
	if u == nil {
		return nil
	}
	return &sandbox.UCPConfig{Name: u.Name, ChallengeReturnURL: u.ChallengeReturnURL}
}

// stripeUCP is a Stripe handler's UCP offer; nil when the handler is not
// offered over UCP.
func stripeUCP(u *config.PaymentHandlerUCP) *stripe.UCPConfig {
	if u == nil {
		return nil
	}
	return &stripe.UCPConfig{Name: u.Name, PublishableKey: u.PublishableKey, ChallengeReturnURL: u.ChallengeReturnURL}
}
