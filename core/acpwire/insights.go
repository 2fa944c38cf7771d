package acpwire

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
)

// The write-only members of ACP requests (affiliate attribution, risk
// signals, marketing consents), decoded into the model's types. Each is
// checked as ACP-NOTES §7.5 and §7.6 ask: a structural error is a 400
// invalid_type naming the member; unknown sub-fields are ignored.

// Bounds on the write-only members' strings.
const (
	maxAttributionField = 256
	maxAttributionToken = 4096
	maxAttributionMeta  = 50
	maxMetaValue        = 500
	maxChannelLength    = 64
)

// wireAttribution is ACP's AffiliateAttribution; every member is read raw
// so that a wrong type is reported with its JSONPath.
type wireAttribution struct {
	Provider    json.RawMessage `json:"provider"`
	Token       json.RawMessage `json:"token"`
	PublisherID json.RawMessage `json:"publisher_id"`
	CampaignID  json.RawMessage `json:"campaign_id"`
	CreativeID  json.RawMessage `json:"creative_id"`
	SubID       json.RawMessage `json:"sub_id"`
	Source      json.RawMessage `json:"source"`
	IssuedAt    json.RawMessage `json:"issued_at"`
	ExpiresAt   json.RawMessage `json:"expires_at"`
	Metadata    json.RawMessage `json:"metadata"`
}

// attribution checks an affiliate_attribution member and returns it, nil
// when absent. Obvious personal data (an email address or a phone number)
// in any of its strings is refused with pii_not_allowed, as the spec asks:
// attribution is for crediting a publisher, not for identifying a buyer.
func (v *validator) attribution(raw json.RawMessage, param string) *model.Attribution {
	if raw == nil {
		return nil
	}
	var w wireAttribution
	if err := json.Unmarshal(raw, &w); err != nil || raw[0] != '{' {
		v.fail(apierr.CodeInvalidType, param, "%s must be an object.", param)
		return nil
	}
	a := &model.Attribution{
		Provider:    v.attributionString(w.Provider, param+".provider", maxAttributionField),
		Token:       v.attributionString(w.Token, param+".token", maxAttributionToken),
		PublisherID: v.attributionString(w.PublisherID, param+".publisher_id", maxAttributionField),
		CampaignID:  v.attributionString(w.CampaignID, param+".campaign_id", maxAttributionField),
		CreativeID:  v.attributionString(w.CreativeID, param+".creative_id", maxAttributionField),
		SubID:       v.attributionString(w.SubID, param+".sub_id", maxAttributionField),
		IssuedAt:    v.attributionTime(w.IssuedAt, param+".issued_at"),
		ExpiresAt:   v.attributionTime(w.ExpiresAt, param+".expires_at"),
		Metadata:    v.attributionMetadata(w.Metadata, param+".metadata"),
	}
	a.SourceType, a.SourceURL = v.attributionSource(w.Source, param+".source")
	if a.Provider == "" {
		v.fail(apierr.CodeInvalidType, param+".provider", "%s.provider is required: the attribution provider, such as \"impact.com\".", param)
	}
	if a.Token == "" && a.PublisherID == "" {
		v.fail(apierr.CodeInvalidType, param, "%s needs a token or a publisher_id.", param)
	}
	if v.err != nil {
		return nil
	}
	return a
}

// attributionString reads an optional string member of an attribution,
// refusing other types, overlong values and personal data.
func (v *validator) attributionString(raw json.RawMessage, param string, maxLen int) string {
	if raw == nil || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		v.fail(apierr.CodeInvalidType, param, "%s must be a string.", param)
		return ""
	}
	v.bounded(s, param, maxLen)
	v.noPII(s, param)
	return strings.TrimSpace(s)
}

// attributionTime reads an optional RFC 3339 date-time member.
func (v *validator) attributionTime(raw json.RawMessage, param string) *time.Time {
	s := v.attributionString(raw, param, 64)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || !timestampPattern.MatchString(s) {
		v.fail(apierr.CodeInvalidType, param, "%s must be an RFC 3339 date-time.", param)
		return nil
	}
	t = t.UTC()
	return &t
}

// attributionSources are the source types ACP defines.
var attributionSources = []string{"url", "platform", "unknown"}

// attributionSource reads the optional source{type, url} member.
func (v *validator) attributionSource(raw json.RawMessage, param string) (typ, url string) {
	if raw == nil || string(raw) == "null" {
		return "", ""
	}
	var src struct {
		Type json.RawMessage `json:"type"`
		URL  json.RawMessage `json:"url"`
	}
	if err := json.Unmarshal(raw, &src); err != nil || raw[0] != '{' {
		v.fail(apierr.CodeInvalidType, param, "%s must be an object with a type (url, platform or unknown) and an optional url.", param)
		return "", ""
	}
	typ = v.attributionString(src.Type, param+".type", maxChannelLength)
	if !slices.Contains(attributionSources, typ) {
		v.fail(apierr.CodeInvalidType, param+".type", "%s.type must be one of url, platform, unknown.", param)
	}
	url = v.attributionString(src.URL, param+".url", maxShortString)
	return typ, url
}

// attributionMetadata reads the flat metadata map, keeping each value as
// its JSON text.
func (v *validator) attributionMetadata(raw json.RawMessage, param string) map[string]string {
	if raw == nil || string(raw) == "null" {
		return nil
	}
	v.flatObject(raw, param)
	var m map[string]json.RawMessage
	if v.err != nil || json.Unmarshal(raw, &m) != nil {
		return nil
	}
	if len(m) > maxAttributionMeta {
		v.fail(apierr.CodeInvalid, param, "%s may hold at most %d keys.", param, maxAttributionMeta)
		return nil
	}
	out := make(map[string]string, len(m))
	for k, val := range m {
		p := param + memberPath(k)
		v.bounded(k, p, maxAttributionField)
		v.bounded(string(val), p, maxMetaValue)
		if val[0] == '"' {
			var s string
			_ = json.Unmarshal(val, &s) // flatObject checked it is a string
			v.noPII(s, p)
		}
		out[k] = string(val)
	}
	return out
}

// emailInText finds an email address anywhere in a string (a source URL's
// query, say); phoneText is a whole value that reads as a phone number:
// digits with the usual separators, at least seven digits.
var (
	emailInText = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
	phoneText   = regexp.MustCompile(`^\+?[0-9][0-9 ().-]{5,}[0-9]$`)
	datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// noPII refuses a value that is obviously personal data. Identifiers such
// as "pub_123" or "2024-01-01" are not: a phone number must consist of
// digits and separators only, with 7 to 15 digits.
func (v *validator) noPII(s, param string) {
	if looksLikePII(s) {
		v.fail(apierr.CodePIINotAllowed, param, "%s must not hold personal data such as an email address or a phone number.", param)
	}
}

// looksLikePII reports whether s is or holds an email address, or is a
// phone number.
func looksLikePII(s string) bool {
	if emailInText.MatchString(s) {
		return true
	}
	s = strings.TrimSpace(s)
	if !phoneText.MatchString(s) || datePattern.MatchString(s) {
		return false
	}
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return digits >= 7 && digits <= 15
}

// wireRiskSignals is ACP's RiskSignals; members are read raw so that a
// wrong type is reported with its JSONPath.
type wireRiskSignals struct {
	IPAddress         json.RawMessage `json:"ip_address"`
	UserAgent         json.RawMessage `json:"user_agent"`
	AcceptLanguage    json.RawMessage `json:"accept_language"`
	SessionID         json.RawMessage `json:"session_id"`
	DeviceFingerprint json.RawMessage `json:"device_fingerprint"`
}

// riskSignals checks a risk_signals member and returns it, nil when absent
// or empty. Unknown members are ignored.
func (v *validator) riskSignals(raw json.RawMessage, param string) *model.RiskSignals {
	if raw == nil {
		return nil
	}
	var w wireRiskSignals
	if err := json.Unmarshal(raw, &w); err != nil || raw[0] != '{' {
		v.fail(apierr.CodeInvalidType, param, "%s must be an object of strings.", param)
		return nil
	}
	str := func(raw json.RawMessage, name string) string {
		if raw == nil || string(raw) == "null" {
			return ""
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			v.fail(apierr.CodeInvalidType, param+"."+name, "%s.%s must be a string.", param, name)
		}
		v.bounded(s, param+"."+name, maxShortString)
		return s
	}
	rs := &model.RiskSignals{
		IPAddress:         str(w.IPAddress, "ip_address"),
		UserAgent:         str(w.UserAgent, "user_agent"),
		AcceptLanguage:    str(w.AcceptLanguage, "accept_language"),
		SessionID:         str(w.SessionID, "session_id"),
		DeviceFingerprint: str(w.DeviceFingerprint, "device_fingerprint"),
	}
	if *rs == (model.RiskSignals{}) {
		return nil
	}
	return rs
}

// consentDecisions checks a marketing_consents member and returns the
// decisions, one per channel (a later entry for the same channel wins).
// Contacts are resolved by the engine, which knows the offered channels.
func (v *validator) consentDecisions(raw json.RawMessage, param string) []model.MarketingConsent {
	if raw == nil {
		return nil
	}
	var consents []struct {
		Channel json.RawMessage `json:"channel"`
		OptedIn json.RawMessage `json:"opted_in"`
	}
	if err := json.Unmarshal(raw, &consents); err != nil || raw[0] != '[' {
		v.fail(apierr.CodeInvalidType, param, "%s must be an array of {channel, opted_in} objects.", param)
		return nil
	}
	var out []model.MarketingConsent
	for i, c := range consents {
		p := fmt.Sprintf("%s[%d]", param, i)
		var channel string
		var optedIn bool
		switch {
		case c.Channel == nil || string(c.Channel) == "null":
			v.fail(apierr.CodeMissing, p+".channel", "%s.channel is required.", p)
		case json.Unmarshal(c.Channel, &channel) != nil:
			v.fail(apierr.CodeInvalidType, p+".channel", "%s.channel must be a string.", p)
		}
		switch {
		case c.OptedIn == nil || string(c.OptedIn) == "null":
			v.fail(apierr.CodeMissing, p+".opted_in", "%s.opted_in is required.", p)
		case json.Unmarshal(c.OptedIn, &optedIn) != nil:
			v.fail(apierr.CodeInvalidType, p+".opted_in", "%s.opted_in must be a boolean.", p)
		}
		v.required(channel, p+".channel", maxChannelLength)
		if v.err != nil {
			return nil
		}
		out = slices.DeleteFunc(out, func(m model.MarketingConsent) bool { return m.Channel == channel })
		out = append(out, model.MarketingConsent{Channel: channel, OptedIn: optedIn})
	}
	return out
}

// consentOptionJSON is ACP's MarketingConsentOption. is_subscribed is
// left out (false): the seller's subscriptions are the order system's,
// which a checkout does not ask.
type consentOptionJSON struct {
	Channel          string `json:"channel"`
	DisplayText      string `json:"display_text"`
	PrivacyPolicyURL string `json:"privacy_policy_url"`
}

// consentOptions are the offered channels, under 2026-04-17 only (an
// empty list is left out: ACP treats it as absent).
func (c *v2026) consentOptions() []consentOptionJSON {
	if c.before0417 {
		return nil
	}
	var out []consentOptionJSON
	for _, o := range c.seller.ConsentOptions {
		out = append(out, consentOptionJSON(o))
	}
	return out
}
