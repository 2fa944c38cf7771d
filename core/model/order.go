package model

import "time"

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
	// Agent is the agent whose checkout created the order; its webhook
	// targets receive the order's events.
	Agent string `json:"agent"`
	// APIVersion is the version the checkout was created under; order
	// events are sent in its shape.
	APIVersion string    `json:"api_version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
}

// OrderLine is one line of an order with its quantities: Ordered at
// checkout, Current after cancellations, Fulfilled as dispatched.
type OrderLine struct {
	ID        string `json:"id"`
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
		if f.Void() {
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
