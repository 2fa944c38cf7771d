package host

import (
	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// itemEscalation turns an acp.yaml catalog item's escalation flag into
// the built-in catalog's escalation, or nil when it sets none: the code
// of age_restricted (age_verification_required), requires_sign_in
// (requires_sign_in) or requires_options (unsupported), of which config
// validation allows at most one; the reason is left to the engine's text
// for the code, and the page is the item's continue_url or, empty, the
// configured one.
func itemEscalation(it config.CatalogItem) *catalog.Escalation {
	var code string
	switch {
	case it.AgeRestricted:
		code = acp.CodeAgeVerificationRequired
	case it.RequiresSignIn:
		code = acp.CodeRequiresSignIn
	case it.RequiresOptions:
		code = acp.CodeUnsupported
	default:
		return nil
	}
	return &catalog.Escalation{Code: code, ContinueURL: it.ContinueURL}
}

// engineEscalation is acp.yaml's escalation section as the engine takes
// it. The cart limit is in merchant.currency, the one currency sessions
// use.
func engineEscalation(cfg *config.Config) checkout.Escalation {
	return checkout.Escalation{
		ContinueURL:  cfg.Escalation.ContinueURL,
		MaxCartTotal: cfg.Escalation.MaxCartTotal,
	}
}

// currencyExponent is merchant.currency's minor-unit exponent (2 for
// usd); config validation accepts only currencies whose exponent it knows.
func currencyExponent(cfg *config.Config) int {
	exponent, _ := config.CurrencyExponent(cfg.Merchant.Currency)
	return exponent
}
