package checkout

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// The write-only data of a checkout (ACP-NOTES §7.4 to §7.6): kept on the
// session while it is open (model.WriteOnly, as JSON of the model's
// types), then built into the order's Insights and the order system's
// PlaceOrderRequest when the order is placed.

// Cancel reason codes ACP defines (IntentTrace.reason_code); any other
// code is counted as ReasonOther, a cancel without a trace as ReasonNone.
var cancelReasons = []string{
	"price_sensitivity", "shipping_cost", "shipping_speed", "product_fit", "trust_security",
	"returns_policy", "payment_options", "comparison", "timing_deferred", ReasonOther,
}

// Cancel reasons outside ACP's list.
const (
	// ReasonOther stands for ACP's "other" and every unknown code.
	ReasonOther = "other"
	// ReasonNone is a cancel without an intent trace.
	ReasonNone = "none"
)

// CancelReasons are the values InsightReason returns, for a metric's
// bounded label set.
func CancelReasons() []string { return append(slices.Clone(cancelReasons), ReasonNone) }

// InsightReason is the reason code of a stored intent trace, folded into
// CancelReasons: an unknown code is "other", as the spec asks.
func InsightReason(trace json.RawMessage) string {
	if trace == nil {
		return ReasonNone
	}
	var t struct {
		ReasonCode string `json:"reason_code"`
	}
	if json.Unmarshal(trace, &t) != nil || !slices.Contains(cancelReasons, t.ReasonCode) {
		return ReasonOther
	}
	return t.ReasonCode
}

// reportCancel tells the CancelReason hook of a completed cancel.
func (s *Service) reportCancel(trace json.RawMessage) {
	if s.opts.CancelReason != nil {
		s.opts.CancelReason(InsightReason(trace))
	}
}

// reportAttributed tells the OrderAttributed hook of a placed order that
// carries an attribution.
func (s *Service) reportAttributed(o *model.Order) {
	if s.opts.OrderAttributed == nil || o.Insights == nil {
		return
	}
	if p := o.Insights.CreditedProvider(); p != "" {
		s.opts.OrderAttributed(p)
	}
}

// attributionJSON is how an attribution is kept on the session; nil for
// none.
func attributionJSON(a *model.Attribution) json.RawMessage {
	if a == nil {
		return nil
	}
	data, _ := json.Marshal(a) // strings, times and a string map marshal
	return data
}

// applyCompleteWriteOnly keeps the complete request's write-only members
// on the session; an absent member leaves what an earlier complete kept.
func applyCompleteWriteOnly(sess *model.Session, in CompleteInput) {
	if in.Attribution != nil {
		sess.WriteOnly.LastTouchAttribution = attributionJSON(in.Attribution)
	}
	if in.MarketingConsents != nil {
		data, _ := json.Marshal(in.MarketingConsents)
		sess.WriteOnly.MarketingConsents = data
	}
	if in.RiskSignals != nil {
		data, _ := json.Marshal(in.RiskSignals)
		sess.WriteOnly.RiskSignals = data
	}
}

// storedAttribution reads an attribution kept on the session. A value
// this build cannot read (kept by an older one in the agent's raw shape)
// counts as none: attribution never blocks a checkout.
func storedAttribution(raw json.RawMessage) *model.Attribution {
	if raw == nil {
		return nil
	}
	var a model.Attribution
	if json.Unmarshal(raw, &a) != nil || a.Provider == "" {
		return nil
	}
	return &a
}

// storedRiskSignals reads the risk signals kept on the session.
func storedRiskSignals(raw json.RawMessage) *model.RiskSignals {
	if raw == nil {
		return nil
	}
	var rs model.RiskSignals
	if json.Unmarshal(raw, &rs) != nil || rs == (model.RiskSignals{}) {
		return nil
	}
	return &rs
}

// riskSignalsOf is the session's risk signals for the payment processor.
func riskSignalsOf(sess *model.Session) *payment.RiskSignals {
	rs := storedRiskSignals(sess.WriteOnly.RiskSignals)
	if rs == nil {
		return nil
	}
	out := payment.RiskSignals(*rs)
	return &out
}

// clearWriteOnlyInsights removes from a completed session what its order
// took (the attributions, the consents and the risk signals), so that the
// session, kept for store.session_retention, holds no second copy. The
// intent trace stays (a canceled session has no order to take it).
func clearWriteOnlyInsights(sess *model.Session) {
	w := &sess.WriteOnly
	w.FirstTouchAttribution, w.LastTouchAttribution, w.MarketingConsents, w.RiskSignals = nil, nil, nil, nil
}

// consents are the session's marketing decisions that apply (ACP-NOTES
// §7.5): only for channels the seller offers, each with the contact it
// resolves to (email: the buyer's, then the fulfillment email, then the
// first group's; sms and whatsapp: the same for the phone). A decision
// without a contact is dropped; a channel without a decision keeps the
// buyer's current subscription at the order system.
func (s *Service) consents(sess *model.Session) []model.MarketingConsent {
	if sess.WriteOnly.MarketingConsents == nil {
		return nil
	}
	var decided []model.MarketingConsent
	if json.Unmarshal(sess.WriteOnly.MarketingConsents, &decided) != nil {
		return nil
	}
	var out []model.MarketingConsent
	for _, c := range decided {
		if !slices.Contains(s.opts.MarketingChannels, c.Channel) {
			continue
		}
		if c.Contact = contactFor(sess, c.Channel); c.Contact != "" {
			out = append(out, c)
		}
	}
	return out
}

// contactFor resolves the contact a channel's consent applies to; "" when
// the session has none: the buyer's, else the fulfillment details', else
// (a checkout split into fulfillment groups) the first group's that has
// one. The configuration offers only email, sms and whatsapp
// (config.MarketingChannels), whose contacts ACP defines.
func contactFor(sess *model.Session, channel string) string {
	var of func(email, phone string) string
	switch channel {
	case "email":
		of = func(email, _ string) string { return email }
	case "sms", "whatsapp":
		of = func(_, phone string) string { return phone }
	default:
		return ""
	}
	if b := sess.Buyer; b != nil && of(b.Email, b.PhoneNumber) != "" {
		return of(b.Email, b.PhoneNumber)
	}
	details := []*model.FulfillmentDetails{sess.FulfillmentDetails}
	for _, g := range sess.Groups {
		details = append(details, g.Details)
	}
	for _, d := range details {
		if d != nil && of(d.Email, d.PhoneNumber) != "" {
			return of(d.Email, d.PhoneNumber)
		}
	}
	return ""
}

// orderInsights builds the order's insights from the session (the one
// place they are read from it: the order system's request is derived
// from them too); nil when the agent told nothing beyond the cart.
func (s *Service) orderInsights(sess *model.Session, now time.Time) *model.Insights {
	in := &model.Insights{
		FirstTouch:        storedAttribution(sess.WriteOnly.FirstTouchAttribution),
		LastTouch:         storedAttribution(sess.WriteOnly.LastTouchAttribution),
		MarketingConsents: s.consents(sess),
		RiskSignals:       storedRiskSignals(sess.WriteOnly.RiskSignals),
	}
	if in.FirstTouch == nil && in.LastTouch == nil && in.MarketingConsents == nil && in.RiskSignals == nil {
		return nil
	}
	if s.opts.InsightsRetention > 0 {
		in.ExpiresAt = now.Add(s.opts.InsightsRetention)
	}
	return in
}

// addOrderInsights adds the order's insights (orderInsights) to the
// order system's request.
func addOrderInsights(req *fulfillment.PlaceOrderRequest, in *model.Insights) {
	if in == nil {
		return
	}
	for _, t := range []struct {
		touchpoint string
		a          *model.Attribution
	}{{"first", in.FirstTouch}, {"last", in.LastTouch}} {
		if t.a != nil {
			req.Attribution = append(req.Attribution, fulfillmentAttribution(t.touchpoint, t.a))
		}
	}
	for _, c := range in.MarketingConsents {
		req.MarketingConsents = append(req.MarketingConsents, fulfillment.MarketingConsent(c))
	}
	if rs := in.RiskSignals; rs != nil {
		out := fulfillment.RiskSignals(*rs)
		req.RiskSignals = &out
	}
}

// fulfillmentAttribution is one touch in the order system's shape.
func fulfillmentAttribution(touchpoint string, a *model.Attribution) fulfillment.Attribution {
	out := fulfillment.Attribution{
		Touchpoint: touchpoint, Provider: a.Provider, Token: a.Token, PublisherID: a.PublisherID,
		CampaignID: a.CampaignID, CreativeID: a.CreativeID, SubID: a.SubID,
		SourceType: a.SourceType, SourceURL: a.SourceURL, Metadata: a.Metadata,
	}
	if a.IssuedAt != nil {
		out.IssuedAt = *a.IssuedAt
	}
	if a.ExpiresAt != nil {
		out.ExpiresAt = *a.ExpiresAt
	}
	return out
}
