package main

import (
	"time"

	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// insightsBody is the part of orderBody that carries what the agent told
// beyond the cart: the buyer's order notes, the affiliate attribution,
// the marketing consents for the seller's offered channels and the risk
// signals (see the package documentation). Each member is left out when
// the order has none. Attribution tokens are credentials the store needs
// to claim the sale: they are forwarded, never logged.
type insightsBody struct {
	OrderNotes        string            `json:"order_notes,omitempty"`
	Attribution       []attributionBody `json:"attribution,omitempty"`
	MarketingConsents []consentBody     `json:"marketing_consents,omitempty"`
	RiskSignals       *riskSignalsBody  `json:"risk_signals,omitempty"`
}

// attributionBody is one attribution touch.
type attributionBody struct {
	Touchpoint  string            `json:"touchpoint"`
	Provider    string            `json:"provider"`
	Token       string            `json:"token,omitempty"`
	PublisherID string            `json:"publisher_id,omitempty"`
	CampaignID  string            `json:"campaign_id,omitempty"`
	CreativeID  string            `json:"creative_id,omitempty"`
	SubID       string            `json:"sub_id,omitempty"`
	SourceType  string            `json:"source_type,omitempty"`
	SourceURL   string            `json:"source_url,omitempty"`
	IssuedAt    *time.Time        `json:"issued_at,omitempty"`
	ExpiresAt   *time.Time        `json:"expires_at,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// consentBody is the buyer's decision for one offered channel.
type consentBody struct {
	Channel string `json:"channel"`
	OptedIn bool   `json:"opted_in"`
	Contact string `json:"contact"`
}

// riskSignalsBody are the agent's signals about the buyer's session.
type riskSignalsBody struct {
	IPAddress         string `json:"ip_address,omitempty"`
	UserAgent         string `json:"user_agent,omitempty"`
	AcceptLanguage    string `json:"accept_language,omitempty"`
	SessionID         string `json:"session_id,omitempty"`
	DeviceFingerprint string `json:"device_fingerprint,omitempty"`
}

// newInsightsBody is the insights part of req's body.
func newInsightsBody(req *fulfillment.PlaceOrderRequest) insightsBody {
	b := insightsBody{OrderNotes: req.OrderNotes}
	for _, a := range req.Attribution {
		b.Attribution = append(b.Attribution, attributionBody{
			Touchpoint: a.Touchpoint, Provider: a.Provider, Token: a.Token, PublisherID: a.PublisherID,
			CampaignID: a.CampaignID, CreativeID: a.CreativeID, SubID: a.SubID, SourceType: a.SourceType,
			SourceURL: a.SourceURL, IssuedAt: nonZero(a.IssuedAt), ExpiresAt: nonZero(a.ExpiresAt), Metadata: a.Metadata,
		})
	}
	for _, c := range req.MarketingConsents {
		b.MarketingConsents = append(b.MarketingConsents, consentBody(c))
	}
	if rs := req.RiskSignals; rs != nil {
		b.RiskSignals = &riskSignalsBody{IPAddress: rs.IPAddress, UserAgent: rs.UserAgent, AcceptLanguage: rs.AcceptLanguage,
			SessionID: rs.SessionID, DeviceFingerprint: rs.DeviceFingerprint}
	}
	return b
}

// nonZero is t, or nil for the zero time (not given).
func nonZero(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
