package config

import (
	"net/url"
	"slices"
	"strings"
)

var (
	// supportedInterventions are the interventions a seller can run.
	supportedInterventions = []string{"3ds", "biometric", "address_verification"}
	// requirableInterventions are the interventions a seller can require.
	requirableInterventions = []string{"3ds", "biometric"}
	// enforcements are the accepted interventions.enforcement values.
	enforcements = []string{"always", "conditional", "optional"}
	// cardBrands are the accepted card brands.
	cardBrands = []string{"visa", "mastercard", "amex", "discover", "diners", "jcb", "unionpay"}
)

// maxMerchantIDLen caps a payment handler's merchant_id.
const maxMerchantIDLen = 256

// validate checks the interventions section.
func (in *Interventions) validate(ps *problems) {
	checkSubset("interventions.supported", in.Supported, supportedInterventions, ps)
	checkSubset("interventions.required", in.Required, requirableInterventions, ps)
	if !slices.Contains(enforcements, in.Enforcement) {
		ps.add("interventions.enforcement", "must be one of %s, got %q%s", oneOf(enforcements), in.Enforcement, didYouMean(in.Enforcement, enforcements))
	}
}

// checkSubset checks that every value is allowed and listed once.
func checkSubset(path string, values, allowed []string, ps *problems) {
	seen := map[string]bool{}
	for i, v := range values {
		switch {
		case !slices.Contains(allowed, v):
			ps.add(indexPath(path, i), "must be one of %s, got %q%s", oneOf(allowed), v, didYouMean(v, allowed))
		case seen[v]:
			ps.add(indexPath(path, i), "duplicate value %q", v)
		}
		seen[v] = true
	}
}

// validate checks the order placement settings.
func (o *Orders) validate(ps *problems) {
	if o.PlacementDeadline <= 0 || o.PlacementDeadline > MaxPlacementDeadline {
		ps.add("orders.placement_deadline", "must be a positive duration of at most %s, got %s", MaxPlacementDeadline, o.PlacementDeadline)
	}
	if o.InsightsRetention < MinInsightsRetention {
		ps.add("orders.insights_retention", "must be a duration of at least %s, got %s", MinInsightsRetention, o.InsightsRetention)
	}
}

// validate checks the payment handlers.
func (p *Payments) validate(opts Options, ps *problems) {
	if p.ReconcileAfter <= 0 {
		ps.add("payments.reconcile_after", "must be a positive duration, got %s", p.ReconcileAfter)
	}
	if len(p.Handlers) == 0 {
		ps.add("payments.handlers", "at least one payment handler is required")
		return
	}
	ids := map[string]int{}
	for i, h := range p.Handlers {
		path := indexPath("payments.handlers", i)
		switch j, dup := ids[h.ID]; {
		case strings.TrimSpace(h.ID) == "":
			ps.add(path+".id", "is required")
		case dup:
			ps.add(path+".id", "duplicate id %q (also payments.handlers[%d])", h.ID, j)
		default:
			ids[h.ID] = i
		}
		switch {
		case h.Kind == "":
			ps.add(path+".kind", "is required; this build supports %s", oneOf(opts.PaymentKinds))
		case !slices.Contains(opts.PaymentKinds, h.Kind):
			ps.add(path+".kind", "unknown kind %q; this build supports %s%s", h.Kind, oneOf(opts.PaymentKinds), didYouMean(h.Kind, opts.PaymentKinds))
		}
		switch {
		case strings.TrimSpace(h.MerchantID) == "":
			ps.add(path+".merchant_id", "is required")
		case len(h.MerchantID) > maxMerchantIDLen:
			ps.add(path+".merchant_id", "must be at most %d characters, got %d", maxMerchantIDLen, len(h.MerchantID))
		}
		if h.Capture != "manual" && h.Capture != "immediate" {
			ps.add(path+".capture", "must be manual or immediate, got %q", h.Capture)
		}
		if len(h.AcceptedBrands) == 0 {
			ps.add(path+".accepted_brands", "at least one card brand is required: %s", oneOf(cardBrands))
		}
		checkSubset(path+".accepted_brands", h.AcceptedBrands, cardBrands, ps)
		switch {
		case h.Kind == "stripe" && h.Stripe == nil:
			ps.add(path+".stripe", "is required for kind stripe: at least secret_key_env")
		case h.Kind != "stripe" && h.Stripe != nil:
			ps.add(path+".stripe", "is only for kind stripe")
		case h.Stripe != nil:
			h.Stripe.validate(path+".stripe", ps)
		}
		if h.UCP != nil {
			h.UCP.validate(path+".ucp", h.Kind, ps)
		}
	}
}

// directoryServers are the 3DS directory servers ACP names.
var directoryServers = []string{"american_express", "mastercard", "visa"}

// validate checks a Stripe handler's settings.
func (s *Stripe) validate(path string, ps *problems) {
	switch {
	case s.SecretKeyEnv == "":
		ps.add(path+".secret_key_env", "is required: the environment variable holding the Stripe secret key")
	case !envVarPattern.MatchString(s.SecretKeyEnv):
		ps.add(path+".secret_key_env", "must be an environment variable name, got %q", s.SecretKeyEnv)
	}
	if s.WebhookSecretEnv != "" && !envVarPattern.MatchString(s.WebhookSecretEnv) {
		ps.add(path+".webhook_secret_env", "must be an environment variable name, got %q", s.WebhookSecretEnv)
	}
	if msg := checkHTTPURL(s.APIBaseURL); msg != "" {
		ps.add(path+".api_base_url", "%s", msg)
	} else if u, err := url.Parse(s.APIBaseURL); err == nil && u.Scheme != "https" && !isLoopback(u.Hostname()) {
		ps.add(path+".api_base_url", "must be https (the secret key travels with every call); plain http only for a loopback test server, got %q", s.APIBaseURL)
	}
	if r := s.MaxNetworkRetries; r != nil && (*r < 0 || *r > 10) {
		ps.add(path+".max_network_retries", "must be from 0 to 10, got %d", *r)
	}
	if t := s.ThreeDS; t != nil {
		for _, f := range []struct {
			key, value string
			max        int
		}{{"acquirer_bin", t.AcquirerBIN, 11}, {"acquirer_merchant_id", t.AcquirerMerchantID, 35}} {
			switch {
			case f.value == "":
				ps.add(path+".three_ds."+f.key, "is required")
			case len(f.value) > f.max:
				ps.add(path+".three_ds."+f.key, "must be at most %d characters", f.max)
			}
		}
		if len(t.RequestorID) > 35 {
			ps.add(path+".three_ds.requestor_id", "must be at most 35 characters")
		}
		if len(t.AcquirerCountry) != 2 {
			ps.add(path+".three_ds.acquirer_country", "must be an ISO 3166-1 alpha-2 code, got %q", t.AcquirerCountry)
		}
		if !slices.Contains(directoryServers, t.DirectoryServer) {
			ps.add(path+".three_ds.directory_server", "must be one of %s, got %q%s", oneOf(directoryServers), t.DirectoryServer, didYouMean(t.DirectoryServer, directoryServers))
		}
	}
}
