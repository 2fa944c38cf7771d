package model

import (
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// Order statuses: the values ACP 2026-04-17 defines for Order.status.
const (
	OrderCreated      = "created"
	OrderConfirmed    = "confirmed"
	OrderManualReview = "manual_review"
	OrderProcessing   = "processing"
	OrderShipped      = "shipped"
	OrderCompleted    = "completed"
	OrderCanceled     = "canceled"
)

// Fulfillment statuses (ACP 2026-04-17 Fulfillment.status).
const (
	FulfillmentPending        = "pending"
	FulfillmentProcessing     = "processing"
	FulfillmentShipped        = "shipped"
	FulfillmentInTransit      = "in_transit"
	FulfillmentOutForDelivery = "out_for_delivery"
	FulfillmentReadyForPickup = "ready_for_pickup"
	FulfillmentDelivered      = "delivered"
	FulfillmentFailed         = "failed"
	FulfillmentCanceled       = "canceled"
)

// Adjustment types and statuses this server records.
const (
	AdjustmentRefund       = "refund"
	AdjustmentCredit       = "credit"
	AdjustmentCancellation = "cancellation"
	AdjustmentDispute      = "dispute"

	AdjustmentPending   = "pending"
	AdjustmentCompleted = "completed"
	AdjustmentFailed    = "failed"
)

// Order event types, as ACP's webhook names them.
const (
	EventOrderCreate = "order_create"
	EventOrderUpdate = "order_update"
)

// Order is the order a completed session created, with everything that
// happened to it afterwards. It follows ACP 2026-04-17's Order: quantities
// per line, fulfillments with their event logs, and adjustments.
type Order struct {
	ID                string `json:"id"`
	CheckoutSessionID string `json:"checkout_session_id"`
	PermalinkURL      string `json:"permalink_url"`
	Status            string `json:"status"`
	OrderNumber       string `json:"order_number,omitempty"`
	Currency          string `json:"currency"`
	// Total is the amount originally charged; it never changes.
	Total int64 `json:"total"`
	// Totals are the session's totals when the order was placed.
	Totals       Totals        `json:"totals"`
	Lines        []OrderLine   `json:"lines,omitempty"`
	Fulfillments []Fulfillment `json:"fulfillments,omitempty"`
	// Adjustments are post-order changes: refunds, credits, disputes and
	// cancellations, reported by the payment processor or the store.
	Adjustments []Adjustment `json:"adjustments,omitempty"`
	// AmountRefunded is the sum of the completed refunds.
	AmountRefunded int64  `json:"amount_refunded,omitempty"`
	PaymentID      string `json:"payment_id"`
	HandlerID      string `json:"handler_id"`
	// PaymentState is where the order's money is: captured, or
	// capture_failed when the processor refused the capture after the
	// order system accepted the order (the order is then canceled).
	// Absent in orders stored before authorize-then-capture existed:
	// those were captured at once.
	PaymentState PaymentState `json:"payment_state,omitempty"`
	OrderNotes   string       `json:"order_notes,omitempty"`
	// Discounts are the discounts the order was given.
	Discounts []AppliedDiscount `json:"discounts,omitempty"`
	// Insights are what the agent told about the purchase beyond the
	// cart (attribution, consents, risk signals), kept for the seller
	// and never shown to agents.
	Insights *Insights `json:"insights,omitempty"`
	// Agent is the agent whose checkout created the order; its webhook
	// targets receive the order's events.
	Agent string `json:"agent"`
	// APIVersion is the version the checkout was created under; order
	// events are sent in its shape.
	APIVersion string    `json:"api_version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
	// UCP is its checkout's UCP context (Session.UCP), whose webhook URL
	// receives the order's UCP events; nil for orders placed over ACP.
	UCP *UCPContext `json:"ucp,omitempty"`
}

// SessionCopy is the copy of the order its checkout session keeps: the
// order without its Insights, which live only with the order record so
// that orders.insights_retention erases them (the session is kept for
// store.session_retention).
func (o *Order) SessionCopy() *Order {
	if o == nil {
		return nil
	}
	c := *o
	c.Insights = nil
	return &c
}

// Insights are the write-only data of a checkout, kept with its order for
// the seller: never returned to agents, never sent in webhooks.
type Insights struct {
	// FirstTouch and LastTouch are the affiliate attribution reported at
	// create and at complete.
	FirstTouch *Attribution `json:"first_touch,omitempty"`
	LastTouch  *Attribution `json:"last_touch,omitempty"`
	// MarketingConsents are the buyer's decisions for the offered channels.
	MarketingConsents []MarketingConsent `json:"marketing_consents,omitempty"`
	// RiskSignals are the agent's signals about the buyer's session.
	RiskSignals *RiskSignals `json:"risk_signals,omitempty"`
	// ExpiresAt is when the insights are erased (the configured
	// retention, counted from the order's creation).
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Attribution is one affiliate attribution touch. Token is a credential.
type Attribution struct {
	Provider    string     `json:"provider"`
	Token       string     `json:"token,omitempty"`
	PublisherID string     `json:"publisher_id,omitempty"`
	CampaignID  string     `json:"campaign_id,omitempty"`
	CreativeID  string     `json:"creative_id,omitempty"`
	SubID       string     `json:"sub_id,omitempty"`
	SourceType  string     `json:"source_type,omitempty"`
	SourceURL   string     `json:"source_url,omitempty"`
	IssuedAt    *time.Time `json:"issued_at,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	// Metadata is the provider's flat metadata, values as JSON text.
	Metadata map[string]string `json:"metadata,omitempty"`
}

// MarketingConsent is the buyer's decision for one offered channel, with
// the contact it applies to (personal data).
type MarketingConsent struct {
	Channel string `json:"channel"`
	OptedIn bool   `json:"opted_in"`
	Contact string `json:"contact,omitempty"`
}

// RiskSignals are the agent's signals about the buyer's session.
type RiskSignals struct {
	IPAddress         string `json:"ip_address,omitempty"`
	UserAgent         string `json:"user_agent,omitempty"`
	AcceptLanguage    string `json:"accept_language,omitempty"`
	SessionID         string `json:"session_id,omitempty"`
	DeviceFingerprint string `json:"device_fingerprint,omitempty"`
}

// OrderLine is one line of an order with its quantities: Ordered at
// checkout, Current after cancellations, Fulfilled as dispatched.
type OrderLine struct {
	ID string `json:"id"`
	// ItemID is the item the agent ordered (the checkout line's item
	// id), kept for orders placed over UCP, whose order names a line's
	// item as its checkout did; empty for ACP's.
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

// Status derives the line's ACP status from its quantities.
func (l OrderLine) Status() string {
	switch {
	case l.Current == 0:
		return "removed"
	case l.Fulfilled >= l.Current:
		return "fulfilled"
	case l.Fulfilled > 0:
		return "partial"
	}
	return "processing"
}

// Fulfillment is one shipment, pickup or digital delivery of some of an
// order's lines.
type Fulfillment struct {
	ID             string           `json:"id"`
	Type           string           `json:"type"`
	Status         string           `json:"status"`
	Lines          []LineQuantity   `json:"lines"`
	Carrier        string           `json:"carrier,omitempty"`
	TrackingNumber string           `json:"tracking_number,omitempty"`
	TrackingURL    string           `json:"tracking_url,omitempty"`
	Description    string           `json:"description,omitempty"`
	Digital        *DigitalDelivery `json:"digital,omitempty"`
	// Destination is where the fulfillment goes, when known.
	Destination *acp.Address `json:"destination,omitempty"`
	// Planned marks a fulfillment the host created at placement from a
	// fulfillment group of a split checkout; while it is pending it does
	// not count towards the order's status.
	Planned bool `json:"planned,omitempty"`
	// Events is the append-only log of the fulfillment's progress.
	Events []FulfillmentEvent `json:"events,omitempty"`
}

// Dispatched reports whether the fulfillment's items count as fulfilled:
// shipped, on their way, ready or delivered.
func (f Fulfillment) Dispatched() bool {
	switch f.Status {
	case FulfillmentShipped, FulfillmentInTransit, FulfillmentOutForDelivery, FulfillmentReadyForPickup, FulfillmentDelivered:
		return true
	}
	return false
}

// AwaitingStore reports whether the fulfillment was planned at placement
// (from a fulfillment group) and the store has not reported on it yet:
// it carries nothing yet and does not count towards the order's status.
func (f Fulfillment) AwaitingStore() bool {
	return f.Planned && f.Status == FulfillmentPending
}

// Void reports whether the fulfillment no longer carries its items.
func (f Fulfillment) Void() bool {
	return f.Status == FulfillmentFailed || f.Status == FulfillmentCanceled
}

// LineQuantity is a quantity of one order line.
type LineQuantity struct {
	ID       string `json:"id"`
	Quantity int64  `json:"quantity"`
}

// DigitalDelivery is how a digital fulfillment is accessed.
type DigitalDelivery struct {
	AccessURL  string     `json:"access_url,omitempty"`
	LicenseKey string     `json:"license_key,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
}

// FulfillmentEvent is one entry of a fulfillment's log.
type FulfillmentEvent struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	OccurredAt  time.Time `json:"occurred_at"`
	Description string    `json:"description,omitempty"`
	Location    string    `json:"location,omitempty"`
}

// Adjustment is a post-order change: a refund, credit, dispute or
// cancellation.
type Adjustment struct {
	// ID is the adjustment's id: the processor's for refunds and disputes
	// it reports, the store's or a generated one otherwise.
	ID string `json:"id"`
	// Type is refund, credit, dispute or cancellation (ACP's open set).
	Type string `json:"type"`
	// Status is pending, completed or failed.
	Status      string         `json:"status"`
	Lines       []LineQuantity `json:"lines,omitempty"`
	Amount      int64          `json:"amount"`
	Currency    string         `json:"currency"`
	Description string         `json:"description,omitempty"`
	Reason      string         `json:"reason,omitempty"`
	OccurredAt  time.Time      `json:"occurred_at"`
}

// Refunded sums the amounts of the order's refunds that are completed, or
// also those still pending when pending is true.
func (o *Order) Refunded(pending bool) int64 {
	var sum int64
	for _, a := range o.Adjustments {
		if a.Type != AdjustmentRefund {
			continue
		}
		if a.Status == AdjustmentCompleted || (pending && a.Status == AdjustmentPending) {
			sum += a.Amount
		}
	}
	return sum
}

// Recompute derives what follows from the order's fulfillments and
// adjustments: each line's fulfilled quantity, the refunded amount, and
// the status (a canceled order stays canceled; otherwise the status
// follows the fulfillments, and a status the store set is kept until they
// say more).
func (o *Order) Recompute() {
	fulfilled := map[string]int64{}
	var active, delivered int
	for _, f := range o.Fulfillments {
		if f.Void() || f.AwaitingStore() {
			continue
		}
		active++
		if f.Status == FulfillmentDelivered {
			delivered++
		}
		if !f.Dispatched() {
			continue
		}
		for _, lq := range f.Lines {
			fulfilled[lq.ID] += lq.Quantity
		}
	}
	allDone, anyDone, anyCurrent := true, false, false
	for i := range o.Lines {
		l := &o.Lines[i]
		l.Fulfilled = min(fulfilled[l.ID], l.Current)
		if l.Current > 0 {
			anyCurrent = true
			if l.Fulfilled < l.Current {
				allDone = false
			}
		}
		if l.Fulfilled > 0 {
			anyDone = true
		}
	}
	o.AmountRefunded = o.Refunded(false)
	switch {
	case o.Status == OrderCanceled:
	case anyCurrent && allDone && active > 0 && delivered == active:
		o.Status = OrderCompleted
	case anyCurrent && allDone:
		o.Status = OrderShipped
	case anyDone || active > 0:
		o.Status = OrderProcessing
	case o.Status == OrderProcessing || o.Status == OrderShipped || o.Status == OrderCompleted:
		// Every fulfillment failed or was canceled: back to before any.
		o.Status = OrderConfirmed
	}
}

// CreditedProvider is the attribution provider the order is credited to:
// the first touch's when there is one (the first valid claim wins), else
// the last touch's; "" without attribution.
func (in *Insights) CreditedProvider() string {
	switch {
	case in == nil:
		return ""
	case in.FirstTouch != nil:
		return in.FirstTouch.Provider
	case in.LastTouch != nil:
		return in.LastTouch.Provider
	}
	return ""
}
