package record

import (
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// order is a stored model.Order.
type order struct {
	ID                string            `json:"id"`
	CheckoutSessionID string            `json:"checkout_session_id"`
	PermalinkURL      string            `json:"permalink_url"`
	Status            string            `json:"status"`
	OrderNumber       string            `json:"order_number,omitempty"`
	Currency          string            `json:"currency"`
	Total             int64             `json:"total"`
	Totals            totals            `json:"totals"`
	Lines             []orderLine       `json:"lines,omitempty"`
	Fulfillments      []fulfillment     `json:"fulfillments,omitempty"`
	Adjustments       []adjustment      `json:"adjustments,omitempty"`
	AmountRefunded    int64             `json:"amount_refunded,omitempty"`
	PaymentID         string            `json:"payment_id"`
	HandlerID         string            `json:"handler_id"`
	PaymentState      string            `json:"payment_state,omitempty"`
	OrderNotes        string            `json:"order_notes,omitempty"`
	Discounts         []appliedDiscount `json:"discounts,omitempty"`
	Insights          *insights         `json:"insights,omitempty"`
	Agent             string            `json:"agent"`
	APIVersion        string            `json:"api_version"`
	CreatedAt         time.Time         `json:"created_at"`
	UpdatedAt         time.Time         `json:"updated_at,omitzero"`
	UCP               *ucpContext       `json:"ucp,omitempty"`
}

type orderLine struct {
	ID        string `json:"id"`
	ItemID    string `json:"item_id,omitempty"`
	ProductID string `json:"product_id,omitempty"`
	Title     string `json:"title"`
	ImageURL  string `json:"image_url,omitempty"`
	Ordered   int64  `json:"ordered"`
	Current   int64  `json:"current"`
	Fulfilled int64  `json:"fulfilled"`
	UnitPrice int64  `json:"unit_price"`
	Subtotal  int64  `json:"subtotal"`
}

type fulfillment struct {
	ID             string             `json:"id"`
	Type           string             `json:"type"`
	Status         string             `json:"status"`
	Lines          []lineQuantity     `json:"lines"`
	Carrier        string             `json:"carrier,omitempty"`
	TrackingNumber string             `json:"tracking_number,omitempty"`
	TrackingURL    string             `json:"tracking_url,omitempty"`
	Description    string             `json:"description,omitempty"`
	Digital        *digitalDelivery   `json:"digital,omitempty"`
	Destination    *address           `json:"destination,omitempty"`
	Planned        bool               `json:"planned,omitempty"`
	Events         []fulfillmentEvent `json:"events,omitempty"`
}

type insights struct {
	FirstTouch        *attribution       `json:"first_touch,omitempty"`
	LastTouch         *attribution       `json:"last_touch,omitempty"`
	MarketingConsents []marketingConsent `json:"marketing_consents,omitempty"`
	RiskSignals       *riskSignals       `json:"risk_signals,omitempty"`
	ExpiresAt         time.Time          `json:"expires_at,omitzero"`
}

type attribution struct {
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

type marketingConsent struct {
	Channel string `json:"channel"`
	OptedIn bool   `json:"opted_in"`
	Contact string `json:"contact,omitempty"`
}

type riskSignals struct {
	IPAddress         string `json:"ip_address,omitempty"`
	UserAgent         string `json:"user_agent,omitempty"`
	AcceptLanguage    string `json:"accept_language,omitempty"`
	SessionID         string `json:"session_id,omitempty"`
	DeviceFingerprint string `json:"device_fingerprint,omitempty"`
}

func fromInsights(i model.Insights) insights {
	return insights{
		FirstTouch: (*attribution)(i.FirstTouch), LastTouch: (*attribution)(i.LastTouch),
		MarketingConsents: mapSlice(i.MarketingConsents, func(c model.MarketingConsent) marketingConsent { return marketingConsent(c) }),
		RiskSignals:       (*riskSignals)(i.RiskSignals), ExpiresAt: i.ExpiresAt,
	}
}

func (i insights) model() model.Insights {
	return model.Insights{
		FirstTouch: (*model.Attribution)(i.FirstTouch), LastTouch: (*model.Attribution)(i.LastTouch),
		MarketingConsents: mapSlice(i.MarketingConsents, func(c marketingConsent) model.MarketingConsent { return model.MarketingConsent(c) }),
		RiskSignals:       (*model.RiskSignals)(i.RiskSignals), ExpiresAt: i.ExpiresAt,
	}
}

type lineQuantity struct {
	ID       string `json:"id"`
	Quantity int64  `json:"quantity"`
}

type digitalDelivery struct {
	AccessURL  string     `json:"access_url,omitempty"`
	LicenseKey string     `json:"license_key,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
}

type fulfillmentEvent struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	OccurredAt  time.Time `json:"occurred_at"`
	Description string    `json:"description,omitempty"`
	Location    string    `json:"location,omitempty"`
}

type adjustment struct {
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	Status      string         `json:"status"`
	Lines       []lineQuantity `json:"lines,omitempty"`
	Amount      int64          `json:"amount"`
	Currency    string         `json:"currency"`
	Description string         `json:"description,omitempty"`
	Reason      string         `json:"reason,omitempty"`
	OccurredAt  time.Time      `json:"occurred_at"`
}

func fromOrder(o *model.Order) order {
	return order{
		ID: o.ID, CheckoutSessionID: o.CheckoutSessionID, PermalinkURL: o.PermalinkURL, Status: o.Status,
		OrderNumber: o.OrderNumber, Currency: o.Currency, Total: o.Total, Totals: totals(o.Totals),
		Lines:          mapSlice(o.Lines, func(l model.OrderLine) orderLine { return orderLine(l) }),
		Fulfillments:   mapSlice(o.Fulfillments, fromFulfillment),
		Adjustments:    mapSlice(o.Adjustments, fromAdjustment),
		AmountRefunded: o.AmountRefunded, PaymentID: o.PaymentID, HandlerID: o.HandlerID, PaymentState: string(o.PaymentState), OrderNotes: o.OrderNotes,
		Discounts: mapSlice(o.Discounts, fromAppliedDiscount),
		Insights:  mapPtr(o.Insights, fromInsights),
		Agent:     o.Agent, APIVersion: o.APIVersion, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
		UCP: (*ucpContext)(o.UCP),
	}
}

func (r *order) model() *model.Order {
	return &model.Order{
		ID: r.ID, CheckoutSessionID: r.CheckoutSessionID, PermalinkURL: r.PermalinkURL, Status: r.Status,
		OrderNumber: r.OrderNumber, Currency: r.Currency, Total: r.Total, Totals: model.Totals(r.Totals),
		Lines:          mapSlice(r.Lines, func(l orderLine) model.OrderLine { return model.OrderLine(l) }),
		Fulfillments:   mapSlice(r.Fulfillments, fulfillment.model),
		Adjustments:    mapSlice(r.Adjustments, adjustment.model),
		AmountRefunded: r.AmountRefunded, PaymentID: r.PaymentID, HandlerID: r.HandlerID, PaymentState: model.PaymentState(r.PaymentState), OrderNotes: r.OrderNotes,
		Discounts: mapSlice(r.Discounts, appliedDiscount.model),
		Insights:  mapPtr(r.Insights, insights.model),
		Agent:     r.Agent, APIVersion: r.APIVersion, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		UCP: (*model.UCPContext)(r.UCP),
	}
}

func fromFulfillment(f model.Fulfillment) fulfillment {
	return fulfillment{
		ID: f.ID, Type: f.Type, Status: f.Status,
		Lines:   mapSlice(f.Lines, func(q model.LineQuantity) lineQuantity { return lineQuantity(q) }),
		Carrier: f.Carrier, TrackingNumber: f.TrackingNumber, TrackingURL: f.TrackingURL, Description: f.Description,
		Digital: (*digitalDelivery)(f.Digital), Destination: (*address)(f.Destination), Planned: f.Planned,
		Events: mapSlice(f.Events, func(e model.FulfillmentEvent) fulfillmentEvent { return fulfillmentEvent(e) }),
	}
}

func (f fulfillment) model() model.Fulfillment {
	return model.Fulfillment{
		ID: f.ID, Type: f.Type, Status: f.Status,
		Lines:   mapSlice(f.Lines, func(q lineQuantity) model.LineQuantity { return model.LineQuantity(q) }),
		Carrier: f.Carrier, TrackingNumber: f.TrackingNumber, TrackingURL: f.TrackingURL, Description: f.Description,
		Digital: (*model.DigitalDelivery)(f.Digital), Destination: (*acp.Address)(f.Destination), Planned: f.Planned,
		Events: mapSlice(f.Events, func(e fulfillmentEvent) model.FulfillmentEvent { return model.FulfillmentEvent(e) }),
	}
}

func fromAdjustment(a model.Adjustment) adjustment {
	return adjustment{
		ID: a.ID, Type: a.Type, Status: a.Status,
		Lines:  mapSlice(a.Lines, func(q model.LineQuantity) lineQuantity { return lineQuantity(q) }),
		Amount: a.Amount, Currency: a.Currency, Description: a.Description, Reason: a.Reason, OccurredAt: a.OccurredAt,
	}
}

func (a adjustment) model() model.Adjustment {
	return model.Adjustment{
		ID: a.ID, Type: a.Type, Status: a.Status,
		Lines:  mapSlice(a.Lines, func(q lineQuantity) model.LineQuantity { return model.LineQuantity(q) }),
		Amount: a.Amount, Currency: a.Currency, Description: a.Description, Reason: a.Reason, OccurredAt: a.OccurredAt,
	}
}
