package stripe

import (
	stripego "github.com/stripe/stripe-go/v82"

	"github.com/acp-sidecar/acp/core/internal/text"
	"github.com/acp-sidecar/acp/core/payment"
)

// PaymentIntent metadata keys carrying the agent's risk signals, so that
// Radar rules can read them (e.g. ::acp_risk_ip_address::); each is set
// only when the agent sent the signal.
const (
	MetadataRiskIPAddress         = "acp_risk_ip_address"
	MetadataRiskUserAgent         = "acp_risk_user_agent"
	MetadataRiskAcceptLanguage    = "acp_risk_accept_language"
	MetadataRiskSessionID         = "acp_risk_session_id"
	MetadataRiskDeviceFingerprint = "acp_risk_device_fingerprint"
)

// maxMetadataValue is Stripe's limit on a metadata value, in characters
// (keys are at most 40 characters and an object at most 50 keys: the
// handler sets at most eight).
const maxMetadataValue = 500

// addRiskMetadata adds the risk signals to the PaymentIntent's metadata,
// each value cut to Stripe's limit. The billing address is not sent:
// Stripe clones the granted token's PaymentMethod, billing details
// included, and documents no payment_method_data member beside
// shared_payment_granted_token (docs/payments.md).
func addRiskMetadata(p *stripego.PaymentIntentCreateParams, rs *payment.RiskSignals) {
	if rs == nil {
		return
	}
	for _, m := range []struct{ key, value string }{
		{MetadataRiskIPAddress, rs.IPAddress},
		{MetadataRiskUserAgent, rs.UserAgent},
		{MetadataRiskAcceptLanguage, rs.AcceptLanguage},
		{MetadataRiskSessionID, rs.SessionID},
		{MetadataRiskDeviceFingerprint, rs.DeviceFingerprint},
	} {
		if m.value != "" {
			p.AddMetadata(m.key, text.Truncate(m.value, maxMetadataValue))
		}
	}
}
