package acpwire

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/internal/jsonpath"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// Fixed limits on request strings.
const (
	maxIDLength    = 256
	maxTextLength  = 5000
	maxShortString = 1024
)

// validator collects the first problem found in a request.
type validator struct {
	limits Limits
	err    *apierr.Error
}

func (v *validator) fail(code, param, format string, args ...any) {
	if v.err == nil {
		v.err = apierr.Invalid(code, param, format, args...)
	}
}

func (v *validator) result() error {
	if v.err == nil {
		return nil
	}
	return v.err
}

// required checks that a string is present and of bounded length.
func (v *validator) required(value, param string, maxLen int) {
	if strings.TrimSpace(value) == "" {
		v.fail(apierr.CodeMissing, param, "%s is required.", param)
		return
	}
	v.bounded(value, param, maxLen)
}

// bounded checks an optional string's length.
func (v *validator) bounded(value, param string, maxLen int) {
	if utf8.RuneCountInString(value) > maxLen {
		v.fail(apierr.CodeInvalid, param, "%s must be at most %d characters.", param, maxLen)
	}
}

func (v *validator) oneOf(value, param string, allowed ...string) {
	if value != "" && !slices.Contains(allowed, value) {
		v.fail(apierr.CodeInvalid, param, "%s must be one of %s; got %q.", param, strings.Join(allowed, ", "), value)
	}
}

// emailPattern is an ASCII addr-spec with a dot-atom local part and a
// domain of LDH labels: stricter than net/mail, so that every accepted
// address passes JSON Schema's "email" format when echoed back.
var emailPattern = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)

// timestampPattern is RFC 3339's date-time production; time.Parse alone
// also accepts forms (a comma before the fraction) that the "date-time"
// format rejects.
var timestampPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$`)

func (v *validator) email(value, param string) {
	if value == "" {
		return
	}
	if len(value) > 254 || !emailPattern.MatchString(value) {
		v.fail(apierr.CodeInvalid, param, "%s is not a valid email address.", param)
	}
}

func (v *validator) timestamp(value, param string) {
	if value == "" {
		return
	}
	if _, err := time.Parse(time.RFC3339, value); err != nil || !timestampPattern.MatchString(value) {
		v.fail(apierr.CodeInvalid, param, "%s must be an RFC 3339 date-time.", param)
	}
}

// integral returns a raw JSON value as an int64 when it is a number with
// an exactly whole value (2 or 2.0); strings and fractions, even
// 0.99999999999999999999, are refused.
func integral(raw json.RawMessage) (int64, bool) {
	if len(raw) == 0 || raw[0] == '"' {
		return 0, false
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, false
	}
	return exactInteger(n.String())
}

// object checks that raw, when present, is a JSON object.
func (v *validator) object(raw json.RawMessage, param string) {
	if raw == nil {
		return
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		v.fail(apierr.CodeInvalidType, param, "%s must be an object.", param)
	}
}

// flatObject checks that raw, when present, is an object whose values are
// strings, numbers or booleans (intent trace and attribution metadata).
func (v *validator) flatObject(raw json.RawMessage, param string) {
	if raw == nil {
		return
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		v.fail(apierr.CodeInvalidType, param, "%s must be an object.", param)
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch m[k].(type) {
		case string, float64, bool:
		default:
			v.fail(apierr.CodeInvalidType, param+jsonpath.Member(k), "%s must be a string, number or boolean.", param+jsonpath.Member(k))
		}
	}
}

// address validates a postal address and returns it with its country
// code normalized.
func (v *validator) address(a *wireAddress, param string) *acp.Address {
	if a == nil {
		return nil
	}
	v.required(a.Name, param+".name", maxShortString)
	v.required(a.LineOne, param+".line_one", maxShortString)
	v.bounded(a.LineTwo, param+".line_two", maxShortString)
	v.required(a.City, param+".city", maxShortString)
	v.required(a.State, param+".state", maxShortString)
	v.required(a.PostalCode, param+".postal_code", maxShortString)
	v.bounded(a.Company, param+".company", maxShortString)
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	if a.Country == "" {
		v.fail(apierr.CodeMissing, param+".country", "%s.country is required.", param)
	} else if len(a.Country) != 2 || strings.Trim(a.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		v.fail(apierr.CodeInvalid, param+".country", "%s.country must be an ISO 3166-1 alpha-2 code such as \"US\".", param)
	}
	return &acp.Address{Name: a.Name, LineOne: a.LineOne, LineTwo: a.LineTwo, City: a.City, State: a.State, Country: a.Country, PostalCode: a.PostalCode, Company: a.Company}
}

// fulfillmentDetails validates fulfillment details and returns them for
// the engine.
func (v *validator) fulfillmentDetails(fd *wireFulfillmentDetails, param string) *model.FulfillmentDetails {
	if fd == nil {
		return nil
	}
	v.bounded(fd.Name, param+".name", maxShortString)
	v.bounded(fd.PhoneNumber, param+".phone_number", maxShortString)
	v.email(fd.Email, param+".email")
	return &model.FulfillmentDetails{Name: fd.Name, PhoneNumber: fd.PhoneNumber, Email: fd.Email, Address: v.address(fd.Address, param+".address")}
}

// buyer validates a buyer and its nested objects, which are echoed in
// responses and so must satisfy the schema.
func (v *validator) buyer(b *wireBuyer, param string) *model.Buyer {
	if b == nil {
		return nil
	}
	v.required(b.Email, param+".email", maxShortString)
	v.email(b.Email, param+".email")
	for _, f := range []struct{ value, name string }{
		{b.FirstName, "first_name"}, {b.LastName, "last_name"}, {b.FullName, "full_name"},
		{b.PhoneNumber, "phone_number"}, {b.CustomerID, "customer_id"},
	} {
		v.bounded(f.value, param+"."+f.name, maxShortString)
	}
	v.oneOf(b.AccountType, param+".account_type", "guest", "registered", "business")
	v.oneOf(b.AuthenticationStatus, param+".authentication_status", "authenticated", "guest", "requires_signin")
	out := &model.Buyer{
		FirstName: b.FirstName, LastName: b.LastName, FullName: b.FullName, Email: b.Email, PhoneNumber: b.PhoneNumber,
		CustomerID: b.CustomerID, AccountType: b.AccountType, AuthenticationStatus: b.AuthenticationStatus,
	}
	if c := b.Company; c != nil {
		v.required(c.Name, param+".company.name", maxShortString)
		out.Company = mustJSON(c)
	}
	if l := b.Loyalty; l != nil {
		v.timestamp(l.MemberSince, param+".loyalty.member_since")
		out.Loyalty = mustJSON(l)
	}
	if te := b.TaxExemption; te != nil {
		v.required(te.CertificateID, param+".tax_exemption.certificate_id", maxShortString)
		v.required(te.CertificateType, param+".tax_exemption.certificate_type", maxShortString)
		v.oneOf(te.CertificateType, param+".tax_exemption.certificate_type", "resale", "exempt_organization", "government")
		v.timestamp(te.ExpiresAt, param+".tax_exemption.expires_at")
		out.TaxExemption = mustJSON(te)
	}
	return out
}

// items validates requested items and applies the quantity default.
func (v *validator) items(in []wireItem, param string) []itemRef {
	if len(in) > v.limits.MaxLineItems {
		v.fail(apierr.CodeInvalid, param, "%s may hold at most %d items.", param, v.limits.MaxLineItems)
		return nil
	}
	out := make([]itemRef, len(in))
	for i, it := range in {
		p := fmt.Sprintf("%s[%d]", param, i)
		v.required(it.ID, p+".id", maxIDLength)
		qty := int64(1)
		if it.Quantity != nil && string(it.Quantity) != "null" {
			var ok bool
			if qty, ok = integral(it.Quantity); !ok {
				v.fail(apierr.CodeInvalidType, p+".quantity", "%s.quantity must be an integer.", p)
				continue
			}
		}
		if qty < 1 || qty > v.limits.MaxQuantity {
			v.fail(apierr.CodeInvalid, p+".quantity", "%s.quantity must be an integer from 1 to %d.", p, v.limits.MaxQuantity)
		}
		out[i] = itemRef{id: it.ID, quantity: qty}
	}
	return out
}

type itemRef struct {
	id       string
	quantity int64
}

// mustJSON marshals plain structs of strings and numbers, which cannot
// fail to marshal.
func mustJSON(v any) json.RawMessage {
	data, _ := json.Marshal(v)
	return data
}
