package acpwire

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/internal/jsonpath"
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
		Provider:    v.attributionString(w.Provider, param+".provider", maxAttributionField, emailOrPhone),
		Token:       v.attributionString(w.Token, param+".token", maxAttributionToken, emailOnly),
		PublisherID: v.attributionString(w.PublisherID, param+".publisher_id", maxAttributionField, emailOnly),
		CampaignID:  v.attributionString(w.CampaignID, param+".campaign_id", maxAttributionField, emailOnly),
		CreativeID:  v.attributionString(w.CreativeID, param+".creative_id", maxAttributionField, emailOnly),
		SubID:       v.attributionString(w.SubID, param+".sub_id", maxAttributionField, emailOnly),
		IssuedAt:    v.attributionTime(w.IssuedAt, param+".issued_at"),
		ExpiresAt:   v.attributionTime(w.ExpiresAt, param+".expires_at"),
		Metadata:    v.attributionMetadata(w.Metadata, param+".metadata"),
	}
	a.SourceType, a.SourceURL = v.attributionSource(w.Source, param+".source")
	if a.Provider == "" {
		v.fail(apierr.CodeMissing, param+".provider", "%s.provider is required: the attribution provider, such as \"impact.com\".", param)
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
// refusing other types, overlong values and personal data (check).
func (v *validator) attributionString(raw json.RawMessage, param string, maxLen int, check piiCheck) string {
	if raw == nil || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		v.fail(apierr.CodeInvalidType, param, "%s must be a string.", param)
		return ""
	}
	v.bounded(s, param, maxLen)
	v.noPII(s, param, check)
	return strings.TrimSpace(s)
}

// attributionTime reads an optional RFC 3339 date-time member.
func (v *validator) attributionTime(raw json.RawMessage, param string) *time.Time {
	s := v.attributionString(raw, param, 64, emailOrPhone)
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

// attributionSource reads the optional source{type, url} member. A type
// ACP does not define is read as "unknown": the spec asks to ignore
// unknown values and never to block a checkout on attribution.
func (v *validator) attributionSource(raw json.RawMessage, param string) (typ, link string) {
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
	typ = v.attributionString(src.Type, param+".type", maxChannelLength, emailOrPhone)
	if !slices.Contains(attributionSources, typ) {
		typ = "unknown"
	}
	link = v.attributionString(src.URL, param+".url", maxShortString, emailOrPhone)
	return typ, link
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
	// In key order, so that the error reported first is always the same.
	for _, k := range slices.Sorted(maps.Keys(m)) {
		val := m[k]
		p := param + jsonpath.Member(k)
		v.bounded(k, p, maxAttributionField)
		v.bounded(string(val), p, maxMetaValue)
		if val[0] == '"' {
			var s string
			_ = json.Unmarshal(val, &s) // flatObject checked it is a string
			v.noPII(s, p, emailOrPhone)
		}
		out[k] = string(val)
	}
	return out
}

// emailAddress is a whole value that is an email address: a local part,
// "@", and a domain whose labels are not all digits and whose top level is
// a country code (two letters) or a common generic one. Identifiers such
// as "sub_123@campaign.summer" or "utm=spring@2024.sale" are not.
var (
	emailAddress = regexp.MustCompile(`^[A-Za-z0-9._%+-]+@([A-Za-z0-9-]*[A-Za-z-][A-Za-z0-9-]*\.)+([A-Za-z]{2}|` + strings.Join(emailTLDs, "|") + `)$`)
	// phoneE164 is "+" and digits with the usual separators (8 to 15
	// digits, counted apart).
	phoneE164 = regexp.MustCompile(`^\+[0-9][0-9 ().-]*[0-9]$`)
	// phoneGrouped is a number written in groups: an optional area code
	// in parentheses, then groups separated by one space or hyphen, the
	// last of four or five digits ("(415) 555-0123", "415-555-0123",
	// "020 7946 0958"). Dates ("2024-01-15"), dotted values (dates,
	// IPv4 addresses) and digit-only ids do not match.
	phoneGrouped = regexp.MustCompile(`^(\([0-9]{1,5}\) ?)?[0-9]{1,5}([ -][0-9]{1,5})*[ -][0-9]{4,5}$`)
)

// emailTLDs are the generic top-level domains an email address is
// recognised by, beside every two-letter country code.
var emailTLDs = []string{"com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "name", "pro", "mobi",
	"app", "dev", "email", "mail", "online", "site", "xyz", "shop", "store", "tech", "cloud", "live", "icloud", "me"}

// piiCheck says which kinds of personal data a value is checked for.
type piiCheck int

// The checks: a provider-scoped identifier (token, publisher_id,
// campaign_id, creative_id, sub_id) is often a long number, so only an
// email address counts in it; any other string is checked for phone
// numbers too.
const (
	emailOnly piiCheck = iota
	emailOrPhone
)

// noPII refuses a value that is obviously personal data.
func (v *validator) noPII(s, param string, check piiCheck) {
	if looksLikePII(s, check) {
		v.fail(apierr.CodePIINotAllowed, param, "%s must not hold personal data such as an email address or a phone number.", param)
	}
}

// looksLikePII reports whether s (trimmed) is an email address, is a URL
// one of whose decoded query values is, or (with emailOrPhone) is a
// phone number: "+" and 8 to 15 digits, or digits in phone-style groups
// (10 to 15 digits). A value that merely holds digits is not.
func looksLikePII(s string, check piiCheck) bool {
	s = strings.TrimSpace(s)
	if isEmail(s) || queryHoldsEmail(s) {
		return true
	}
	if check != emailOrPhone {
		return false
	}
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	switch {
	case phoneE164.MatchString(s):
		return digits >= 8 && digits <= 15
	case phoneGrouped.MatchString(s):
		return digits >= 10 && digits <= 15
	}
	return false
}

// isEmail reports whether s is an email address.
func isEmail(s string) bool { return emailAddress.MatchString(s) }

// queryHoldsEmail reports whether s is an absolute URL one of whose query
// values, decoded, is an email address.
func queryHoldsEmail(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.RawQuery == "" {
		return false
	}
	q, _ := url.ParseQuery(u.RawQuery) // the values that parse
	for _, vals := range q {
		if slices.ContainsFunc(vals, func(v string) bool { return isEmail(strings.TrimSpace(v)) }) {
			return true
		}
	}
	return false
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
