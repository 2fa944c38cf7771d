package record

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// session is a stored model.Session.
type session struct {
	ID                     string              `json:"id"`
	Agent                  string              `json:"agent"`
	APIVersion             string              `json:"api_version"`
	Status                 string              `json:"status"`
	Currency               string              `json:"currency"`
	CreatedAt              time.Time           `json:"created_at"`
	UpdatedAt              time.Time           `json:"updated_at"`
	ExpiresAt              time.Time           `json:"expires_at"`
	Buyer                  *buyer              `json:"buyer,omitempty"`
	Lines                  []line              `json:"lines"`
	FulfillmentDetails     *fulfillmentDetails `json:"fulfillment_details,omitempty"`
	Groups                 []fulfillmentGroup  `json:"groups,omitempty"`
	Options                []fulfillmentOption `json:"options"`
	Selected               []selectedOption    `json:"selected"`
	Chosen                 []selectedOption    `json:"chosen,omitempty"`
	Totals                 totals              `json:"totals"`
	TaxBreakdown           []taxShare          `json:"tax_breakdown,omitempty"`
	Messages               []message           `json:"messages"`
	ContinueURL            string              `json:"continue_url,omitempty"`
	Discounts              *discounts          `json:"discounts,omitempty"`
	Notices                []notice            `json:"notices,omitempty"`
	Interventions          interventions       `json:"interventions"`
	Locale                 string              `json:"locale,omitempty"`
	Timezone               string              `json:"timezone,omitempty"`
	QuoteID                string              `json:"quote_id,omitempty"`
	Metadata               json.RawMessage     `json:"metadata,omitempty"`
	OrderNotes             string              `json:"order_notes,omitempty"`
	WriteOnly              writeOnly           `json:"write_only"`
	AuthenticationMetadata json.RawMessage     `json:"authentication_metadata,omitempty"`
	Payment                *payment            `json:"payment,omitempty"`
	Order                  *order              `json:"order,omitempty"`
	UCP                    *ucpContext         `json:"ucp,omitempty"`
}

// ucpContext is a stored model.UCPContext.
type ucpContext struct {
	Profile         string            `json:"profile"`
	Capabilities    map[string]string `json:"capabilities,omitempty"`
	OrderWebhookURL string            `json:"order_webhook_url,omitempty"`
}

// The structs below whose fields match their model counterparts one for
// one are converted with Go's struct conversion, so that a field added to
// the model does not compile until its record follows.

type writeOnly struct {
	FirstTouchAttribution json.RawMessage `json:"first_touch_attribution,omitempty"`
	LastTouchAttribution  json.RawMessage `json:"last_touch_attribution,omitempty"`
	MarketingConsents     json.RawMessage `json:"marketing_consents,omitempty"`
	RiskSignals           json.RawMessage `json:"risk_signals,omitempty"`
	IntentTrace           json.RawMessage `json:"intent_trace,omitempty"`
	AgentCapabilities     json.RawMessage `json:"agent_capabilities,omitempty"`
}

type line struct {
	ID               string      `json:"id"`
	ItemID           string      `json:"item_id"`
	Quantity         int64       `json:"quantity"`
	Found            bool        `json:"found"`
	Name             string      `json:"name,omitempty"`
	Description      string      `json:"description,omitempty"`
	Images           []string    `json:"images,omitempty"`
	ProductID        string      `json:"product_id,omitempty"`
	TaxCategory      string      `json:"tax_category,omitempty"`
	Weight           *weight     `json:"weight,omitempty"`
	Available        *int64      `json:"available,omitempty"`
	MaxPerOrder      int64       `json:"max_per_order,omitempty"`
	FulfillmentTypes []string    `json:"fulfillment_types,omitempty"`
	Categories       []string    `json:"categories,omitempty"`
	Escalation       *escalation `json:"escalation,omitempty"`
	UnitAmount       int64       `json:"unit_amount"`
	BaseAmount       int64       `json:"base_amount"`
	Discount         int64       `json:"discount"`
	Subtotal         int64       `json:"subtotal"`
	Tax              int64       `json:"tax"`
	Total            int64       `json:"total"`
}

type discounts struct {
	Negotiated bool               `json:"negotiated,omitempty"`
	Codes      []string           `json:"codes,omitempty"`
	Applied    []appliedDiscount  `json:"applied,omitempty"`
	Rejected   []rejectedDiscount `json:"rejected,omitempty"`
}

type appliedDiscount struct {
	ID           string               `json:"id"`
	Code         string               `json:"code,omitempty"`
	Automatic    bool                 `json:"automatic,omitempty"`
	Name         string               `json:"name"`
	PercentOff   float64              `json:"percent_off,omitempty"`
	AmountOff    int64                `json:"amount_off,omitempty"`
	Method       string               `json:"method,omitempty"`
	Priority     int                  `json:"priority,omitempty"`
	Start        *time.Time           `json:"start,omitempty"`
	End          *time.Time           `json:"end,omitempty"`
	Amount       int64                `json:"amount"`
	Allocations  []discountAllocation `json:"allocations,omitempty"`
	UsageLimited bool                 `json:"usage_limited,omitempty"`
}

type discountAllocation struct {
	LineID   string `json:"line_id,omitempty"`
	OptionID string `json:"option_id,omitempty"`
	Amount   int64  `json:"amount"`
}

type rejectedDiscount struct {
	Code    string `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message,omitempty"`
}

func fromDiscounts(d model.Discounts) discounts {
	return discounts{
		Negotiated: d.Negotiated, Codes: d.Codes, Applied: mapSlice(d.Applied, fromAppliedDiscount),
		Rejected: mapSlice(d.Rejected, func(r model.RejectedDiscount) rejectedDiscount { return rejectedDiscount(r) }),
	}
}

func (d discounts) model() model.Discounts {
	return model.Discounts{
		Negotiated: d.Negotiated, Codes: d.Codes, Applied: mapSlice(d.Applied, appliedDiscount.model),
		Rejected: mapSlice(d.Rejected, func(r rejectedDiscount) model.RejectedDiscount { return model.RejectedDiscount(r) }),
	}
}

func fromAppliedDiscount(a model.AppliedDiscount) appliedDiscount {
	return appliedDiscount{
		ID: a.ID, Code: a.Code, Automatic: a.Automatic, Name: a.Name, PercentOff: a.PercentOff, AmountOff: a.AmountOff,
		Method: a.Method, Priority: a.Priority, Start: a.Start, End: a.End, Amount: a.Amount,
		Allocations:  mapSlice(a.Allocations, func(x model.DiscountAllocation) discountAllocation { return discountAllocation(x) }),
		UsageLimited: a.UsageLimited,
	}
}

func (a appliedDiscount) model() model.AppliedDiscount {
	return model.AppliedDiscount{
		ID: a.ID, Code: a.Code, Automatic: a.Automatic, Name: a.Name, PercentOff: a.PercentOff, AmountOff: a.AmountOff,
		Method: a.Method, Priority: a.Priority, Start: a.Start, End: a.End, Amount: a.Amount,
		Allocations:  mapSlice(a.Allocations, func(x discountAllocation) model.DiscountAllocation { return model.DiscountAllocation(x) }),
		UsageLimited: a.UsageLimited,
	}
}

type notice struct {
	Param   string   `json:"param"`
	Also    []string `json:"also,omitempty"`
	Message string   `json:"message"`
}

type escalation struct {
	Code        string `json:"code"`
	Reason      string `json:"reason,omitempty"`
	ContinueURL string `json:"continue_url,omitempty"`
}

type fulfillmentGroup struct {
	ID           string              `json:"id"`
	LineIDs      []string            `json:"line_ids"`
	Type         string              `json:"type"`
	Details      *fulfillmentDetails `json:"details,omitempty"`
	LocationID   string              `json:"location_id,omitempty"`
	Instructions string              `json:"instructions,omitempty"`
}

func fromFulfillmentGroup(g model.FulfillmentGroup) fulfillmentGroup {
	return fulfillmentGroup{
		ID: g.ID, LineIDs: g.LineIDs, Type: string(g.Type), Details: mapPtr(g.Details, fromFulfillmentDetails),
		LocationID: g.LocationID, Instructions: g.Instructions,
	}
}

func (g fulfillmentGroup) model() model.FulfillmentGroup {
	return model.FulfillmentGroup{
		ID: g.ID, LineIDs: g.LineIDs, Type: acp.FulfillmentType(g.Type), Details: mapPtr(g.Details, fulfillmentDetails.model),
		LocationID: g.LocationID, Instructions: g.Instructions,
	}
}

type weight struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

type totals struct {
	ItemsBaseAmount     int64 `json:"items_base_amount"`
	ItemsDiscount       int64 `json:"items_discount"`
	Discount            int64 `json:"discount,omitempty"`
	FulfillmentDiscount int64 `json:"fulfillment_discount,omitempty"`
	Subtotal            int64 `json:"subtotal"`
	Fulfillment         int64 `json:"fulfillment"`
	Tax                 int64 `json:"tax"`
	Total               int64 `json:"total"`
}

type taxShare struct {
	Jurisdiction string  `json:"jurisdiction"`
	Rate         float64 `json:"rate"`
	Amount       int64   `json:"amount"`
}

type fulfillmentOption struct {
	ID               string          `json:"id"`
	GroupID          string          `json:"group_id,omitempty"`
	Type             string          `json:"type"`
	Title            string          `json:"title"`
	Description      string          `json:"description,omitempty"`
	Carrier          string          `json:"carrier,omitempty"`
	LineIDs          []string        `json:"line_ids"`
	Amount           int64           `json:"amount"`
	EarliestDelivery *time.Time      `json:"earliest_delivery,omitempty"`
	LatestDelivery   *time.Time      `json:"latest_delivery,omitempty"`
	Pickup           *pickupLocation `json:"pickup,omitempty"`
}

type pickupLocation struct {
	Name         string  `json:"name"`
	Address      address `json:"address"`
	Phone        string  `json:"phone,omitempty"`
	Instructions string  `json:"instructions,omitempty"`
}

type address struct {
	Name       string `json:"name"`
	LineOne    string `json:"line_one"`
	LineTwo    string `json:"line_two,omitempty"`
	City       string `json:"city"`
	State      string `json:"state"`
	Country    string `json:"country"`
	PostalCode string `json:"postal_code"`
	Company    string `json:"company,omitempty"`
}

type selectedOption struct {
	Type     string   `json:"type"`
	OptionID string   `json:"option_id"`
	LineIDs  []string `json:"line_ids"`
	Amount   int64    `json:"amount"`
}

type message struct {
	Type       string `json:"type"`
	Code       string `json:"code,omitempty"`
	Param      string `json:"param,omitempty"`
	Content    string `json:"content"`
	Resolution string `json:"resolution,omitempty"`
}

type interventions struct {
	Supported   []string `json:"supported"`
	Required    []string `json:"required"`
	Enforcement string   `json:"enforcement"`
}

type fulfillmentDetails struct {
	Name        string   `json:"name,omitempty"`
	PhoneNumber string   `json:"phone_number,omitempty"`
	Email       string   `json:"email,omitempty"`
	Address     *address `json:"address,omitempty"`
}

type buyer struct {
	FirstName            string          `json:"first_name,omitempty"`
	LastName             string          `json:"last_name,omitempty"`
	FullName             string          `json:"full_name,omitempty"`
	Email                string          `json:"email"`
	PhoneNumber          string          `json:"phone_number,omitempty"`
	CustomerID           string          `json:"customer_id,omitempty"`
	AccountType          string          `json:"account_type,omitempty"`
	AuthenticationStatus string          `json:"authentication_status,omitempty"`
	Company              json.RawMessage `json:"company,omitempty"`
	Loyalty              json.RawMessage `json:"loyalty,omitempty"`
	TaxExemption         json.RawMessage `json:"tax_exemption,omitempty"`
}

type payment struct {
	HandlerID             string          `json:"handler_id"`
	Attempt               int             `json:"attempt"`
	Amount                int64           `json:"amount"`
	Token                 string          `json:"token,omitempty"`
	InstrumentType        string          `json:"instrument_type,omitempty"`
	CredentialType        string          `json:"credential_type,omitempty"`
	BillingAddress        *address        `json:"billing_address,omitempty"`
	AuthenticationOutcome string          `json:"authentication_outcome,omitempty"`
	AuthenticationDetails json.RawMessage `json:"authentication_details,omitempty"`
	PaymentID             string          `json:"payment_id,omitempty"`
	CaptureMethod         string          `json:"capture_method,omitempty"`
	State                 string          `json:"state,omitempty"`
	PlaceBy               time.Time       `json:"place_by,omitzero"`
	OrderAccepted         bool            `json:"order_accepted,omitempty"`
	OrderNumber           string          `json:"order_number,omitempty"`
	OrderPermalink        string          `json:"order_permalink,omitempty"`
	Release               string          `json:"release,omitempty"`
	OrderCanceled         bool            `json:"order_canceled,omitempty"`
	RequestKeys           []string        `json:"request_keys,omitempty"`
	// RequestFingerprints are the request bodies' fingerprints, one per
	// RequestKeys entry, in the same order; absent when none is known.
	RequestFingerprints []string `json:"request_fingerprints,omitempty"`
}

func fromSession(s *model.Session) session {
	return session{
		ID: s.ID, Agent: s.Agent, APIVersion: s.APIVersion, Status: string(s.Status), Currency: s.Currency,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, ExpiresAt: s.ExpiresAt,
		Buyer:                  (*buyer)(s.Buyer),
		Lines:                  mapSlice(s.Lines, fromLine),
		FulfillmentDetails:     mapPtr(s.FulfillmentDetails, fromFulfillmentDetails),
		Groups:                 mapSlice(s.Groups, fromFulfillmentGroup),
		Options:                mapSlice(s.Options, fromFulfillmentOption),
		Selected:               mapSlice(s.Selected, fromSelectedOption),
		Chosen:                 mapSlice(s.Chosen, fromSelectedOption),
		Totals:                 totals(s.Totals),
		TaxBreakdown:           mapSlice(s.TaxBreakdown, func(t model.TaxShare) taxShare { return taxShare(t) }),
		Messages:               mapSlice(s.Messages, fromMessage),
		ContinueURL:            s.ContinueURL,
		Discounts:              mapPtr(s.Discounts, fromDiscounts),
		Notices:                mapSlice(s.Notices, func(n model.Notice) notice { return notice(n) }),
		Interventions:          interventions(s.Interventions),
		Locale:                 s.Locale,
		Timezone:               s.Timezone,
		QuoteID:                s.QuoteID,
		Metadata:               s.Metadata,
		OrderNotes:             s.OrderNotes,
		WriteOnly:              writeOnly(s.WriteOnly),
		AuthenticationMetadata: s.AuthenticationMetadata,
		Payment:                mapPtr(s.Payment, fromPayment),
		Order:                  mapPtr(s.Order, func(o model.Order) order { return fromOrder(o.SessionCopy()) }),
		UCP:                    (*ucpContext)(s.UCP),
	}
}

func (r *session) model() *model.Session {
	return &model.Session{
		ID: r.ID, Agent: r.Agent, APIVersion: r.APIVersion, Status: model.Status(r.Status), Currency: r.Currency,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, ExpiresAt: r.ExpiresAt,
		Buyer:                  (*model.Buyer)(r.Buyer),
		Lines:                  mapSlice(r.Lines, line.model),
		FulfillmentDetails:     mapPtr(r.FulfillmentDetails, fulfillmentDetails.model),
		Groups:                 mapSlice(r.Groups, fulfillmentGroup.model),
		Options:                mapSlice(r.Options, fulfillmentOption.model),
		Selected:               mapSlice(r.Selected, selectedOption.model),
		Chosen:                 mapSlice(r.Chosen, selectedOption.model),
		Totals:                 model.Totals(r.Totals),
		TaxBreakdown:           mapSlice(r.TaxBreakdown, func(t taxShare) model.TaxShare { return model.TaxShare(t) }),
		Messages:               mapSlice(r.Messages, message.model),
		ContinueURL:            r.ContinueURL,
		Discounts:              mapPtr(r.Discounts, discounts.model),
		Notices:                mapSlice(r.Notices, func(n notice) model.Notice { return model.Notice(n) }),
		Interventions:          model.Interventions(r.Interventions),
		Locale:                 r.Locale,
		Timezone:               r.Timezone,
		QuoteID:                r.QuoteID,
		Metadata:               r.Metadata,
		OrderNotes:             r.OrderNotes,
		WriteOnly:              model.WriteOnly(r.WriteOnly),
		AuthenticationMetadata: r.AuthenticationMetadata,
		Payment:                mapPtr(r.Payment, payment.model),
		Order:                  mapPtr(r.Order, func(o order) model.Order { return *o.model() }),
		UCP:                    (*model.UCPContext)(r.UCP),
	}
}

func fromLine(l model.Line) line {
	return line{
		ID: l.ID, ItemID: l.ItemID, Quantity: l.Quantity, Found: l.Found, Name: l.Name, Description: l.Description,
		Images: l.Images, ProductID: l.ProductID, TaxCategory: l.TaxCategory,
		Weight: (*weight)(l.Weight), Available: l.Available, MaxPerOrder: l.MaxPerOrder,
		FulfillmentTypes: mapSlice(l.FulfillmentTypes, func(t acp.FulfillmentType) string { return string(t) }),
		Categories:       l.Categories,
		Escalation:       (*escalation)(l.Escalation),
		UnitAmount:       l.UnitAmount, BaseAmount: l.BaseAmount, Discount: l.Discount, Subtotal: l.Subtotal, Tax: l.Tax, Total: l.Total,
	}
}

func (l line) model() model.Line {
	return model.Line{
		ID: l.ID, ItemID: l.ItemID, Quantity: l.Quantity, Found: l.Found, Name: l.Name, Description: l.Description,
		Images: l.Images, ProductID: l.ProductID, TaxCategory: l.TaxCategory,
		Weight: (*acp.Weight)(l.Weight), Available: l.Available, MaxPerOrder: l.MaxPerOrder,
		FulfillmentTypes: mapSlice(l.FulfillmentTypes, func(t string) acp.FulfillmentType { return acp.FulfillmentType(t) }),
		Categories:       l.Categories,
		Escalation:       (*model.Escalation)(l.Escalation),
		UnitAmount:       l.UnitAmount, BaseAmount: l.BaseAmount, Discount: l.Discount, Subtotal: l.Subtotal, Tax: l.Tax, Total: l.Total,
	}
}

func fromFulfillmentOption(o model.FulfillmentOption) fulfillmentOption {
	return fulfillmentOption{
		ID: o.ID, GroupID: o.GroupID, Type: string(o.Type), Title: o.Title, Description: o.Description, Carrier: o.Carrier,
		LineIDs: o.LineIDs, Amount: o.Amount, EarliestDelivery: o.EarliestDelivery, LatestDelivery: o.LatestDelivery,
		Pickup: mapPtr(o.Pickup, func(p model.PickupLocation) pickupLocation {
			return pickupLocation{Name: p.Name, Address: address(p.Address), Phone: p.Phone, Instructions: p.Instructions}
		}),
	}
}

func (o fulfillmentOption) model() model.FulfillmentOption {
	return model.FulfillmentOption{
		ID: o.ID, GroupID: o.GroupID, Type: acp.FulfillmentType(o.Type), Title: o.Title, Description: o.Description, Carrier: o.Carrier,
		LineIDs: o.LineIDs, Amount: o.Amount, EarliestDelivery: o.EarliestDelivery, LatestDelivery: o.LatestDelivery,
		Pickup: mapPtr(o.Pickup, func(p pickupLocation) model.PickupLocation {
			return model.PickupLocation{Name: p.Name, Address: acp.Address(p.Address), Phone: p.Phone, Instructions: p.Instructions}
		}),
	}
}

func fromSelectedOption(o model.SelectedOption) selectedOption {
	return selectedOption{Type: string(o.Type), OptionID: o.OptionID, LineIDs: o.LineIDs, Amount: o.Amount}
}

func (o selectedOption) model() model.SelectedOption {
	return model.SelectedOption{Type: acp.FulfillmentType(o.Type), OptionID: o.OptionID, LineIDs: o.LineIDs, Amount: o.Amount}
}

func fromMessage(m acp.Message) message {
	return message{Type: string(m.Type), Code: m.Code, Param: m.Param, Content: m.Content, Resolution: string(m.Resolution)}
}

func (m message) model() acp.Message {
	return acp.Message{Type: acp.MessageType(m.Type), Code: m.Code, Param: m.Param, Content: m.Content, Resolution: acp.Resolution(m.Resolution)}
}

func fromFulfillmentDetails(d model.FulfillmentDetails) fulfillmentDetails {
	return fulfillmentDetails{Name: d.Name, PhoneNumber: d.PhoneNumber, Email: d.Email, Address: (*address)(d.Address)}
}

func (d fulfillmentDetails) model() model.FulfillmentDetails {
	return model.FulfillmentDetails{Name: d.Name, PhoneNumber: d.PhoneNumber, Email: d.Email, Address: (*acp.Address)(d.Address)}
}

func fromPayment(p model.Payment) payment {
	return payment{
		HandlerID: p.HandlerID, Attempt: p.Attempt, Amount: p.Amount, Token: p.Token,
		InstrumentType: p.InstrumentType, CredentialType: p.CredentialType, BillingAddress: (*address)(p.BillingAddress),
		AuthenticationOutcome: p.AuthenticationOutcome, AuthenticationDetails: p.AuthenticationDetails, PaymentID: p.PaymentID,
		CaptureMethod: p.CaptureMethod, State: string(p.State), PlaceBy: p.PlaceBy, OrderAccepted: p.OrderAccepted,
		OrderNumber: p.OrderNumber, OrderPermalink: p.OrderPermalink, Release: p.Release, OrderCanceled: p.OrderCanceled,
		RequestKeys: requestKeys(p.RequestKeys), RequestFingerprints: requestFingerprints(p.RequestKeys),
	}
}

func (p payment) model() model.Payment {
	return model.Payment{
		HandlerID: p.HandlerID, Attempt: p.Attempt, Amount: p.Amount, Token: p.Token,
		InstrumentType: p.InstrumentType, CredentialType: p.CredentialType, BillingAddress: (*acp.Address)(p.BillingAddress),
		AuthenticationOutcome: p.AuthenticationOutcome, AuthenticationDetails: p.AuthenticationDetails, PaymentID: p.PaymentID,
		CaptureMethod: p.CaptureMethod, State: model.PaymentState(p.State), PlaceBy: p.PlaceBy, OrderAccepted: p.OrderAccepted,
		OrderNumber: p.OrderNumber, OrderPermalink: p.OrderPermalink, Release: p.Release, OrderCanceled: p.OrderCanceled,
		RequestKeys: p.requestKeys(),
	}
}

// requestKeys are the keys of ks.
func requestKeys(ks []model.RequestKey) []string {
	return mapSlice(ks, func(k model.RequestKey) string { return k.Key })
}

// requestFingerprints are the fingerprints of ks, nil when none is known.
func requestFingerprints(ks []model.RequestKey) []string {
	if !slices.ContainsFunc(ks, func(k model.RequestKey) bool { return k.Fingerprint != "" }) {
		return nil
	}
	return mapSlice(ks, func(k model.RequestKey) string { return k.Fingerprint })
}

// requestKeys pairs the record's keys with their fingerprints.
func (p payment) requestKeys() []model.RequestKey {
	ks := mapSlice(p.RequestKeys, func(k string) model.RequestKey { return model.RequestKey{Key: k} })
	for i := range ks {
		if i < len(p.RequestFingerprints) {
			ks[i].Fingerprint = p.RequestFingerprints[i]
		}
	}
	return ks
}
