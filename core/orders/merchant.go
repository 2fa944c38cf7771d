package orders

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/internal/ids"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// FulfillmentInput reports a new fulfillment, or progress on an existing
// one. JSON names are those of the merchant API.
type FulfillmentInput struct {
	// ID names an existing fulfillment to update; when empty or unknown, a
	// new fulfillment is recorded (under ID when it is set, which makes a
	// retried request safe).
	ID string `json:"id,omitempty"`
	// Type is shipping (the default), pickup or digital.
	Type string `json:"type,omitempty"`
	// Status defaults to shipped for a new shipping fulfillment and to
	// delivered for a digital one.
	Status string `json:"status,omitempty"`
	// Lines are the line items and quantities carried; empty means
	// everything not yet allocated to a fulfillment.
	Lines          []model.LineQuantity   `json:"line_items,omitempty"`
	Carrier        string                 `json:"carrier,omitempty"`
	TrackingNumber string                 `json:"tracking_number,omitempty"`
	TrackingURL    string                 `json:"tracking_url,omitempty"`
	Description    string                 `json:"description,omitempty"`
	Digital        *model.DigitalDelivery `json:"digital_delivery,omitempty"`
	// Event optionally describes the status change for the fulfillment's
	// log (where and when it happened).
	Event *EventInput `json:"event,omitempty"`
}

// EventInput details a fulfillment event.
type EventInput struct {
	Description string     `json:"description,omitempty"`
	Location    string     `json:"location,omitempty"`
	OccurredAt  *time.Time `json:"occurred_at,omitempty"`
}

// AdjustmentInput reports a refund or credit the store made.
type AdjustmentInput struct {
	// ID makes a retried report safe: a report with a known ID replaces
	// the earlier one. Refunds the payment processor reports itself (Stripe
	// through its webhook) are recorded without being reported here.
	ID string `json:"id,omitempty"`
	// Type is refund (the default) or credit.
	Type string `json:"type,omitempty"`
	// Status is completed (the default), pending or failed.
	Status string `json:"status,omitempty"`
	// Amount is in minor units, tax included.
	Amount      int64                `json:"amount"`
	Lines       []model.LineQuantity `json:"line_items,omitempty"`
	Description string               `json:"description,omitempty"`
	Reason      string               `json:"reason,omitempty"`
}

// CancelInput reports that the store canceled an order.
type CancelInput struct {
	Description string `json:"description,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// statusesByType are the fulfillment statuses ACP defines per type.
var statusesByType = map[string][]string{
	"shipping": {model.FulfillmentPending, model.FulfillmentProcessing, model.FulfillmentShipped, model.FulfillmentInTransit,
		model.FulfillmentOutForDelivery, model.FulfillmentDelivered, model.FulfillmentFailed, model.FulfillmentCanceled},
	"pickup": {model.FulfillmentPending, model.FulfillmentProcessing, model.FulfillmentReadyForPickup, model.FulfillmentDelivered,
		model.FulfillmentFailed, model.FulfillmentCanceled},
	"digital": {model.FulfillmentPending, model.FulfillmentProcessing, model.FulfillmentDelivered, model.FulfillmentFailed, model.FulfillmentCanceled},
}

// eventTypeOf names the log entry of a fulfillment reaching status.
func eventTypeOf(status string) string {
	switch status {
	case model.FulfillmentFailed:
		return "undeliverable"
	case model.FulfillmentPending:
		return ""
	}
	return status
}

// Fulfill records a fulfillment or its progress. It refuses to carry more
// of a line than is current on the order, and any change to a canceled
// order.
func (s *Service) Fulfill(ctx context.Context, orderID string, in FulfillmentInput) (*model.Order, error) {
	if err := checkFulfillmentInput(&in); err != nil {
		return nil, err
	}
	return s.change(ctx, orderID, func(o *model.Order) error {
		if o.Status == model.OrderCanceled {
			return conflict(CodeOrderCanceled, "", "Order %s is canceled.", o.ID)
		}
		s.settlePlanned(o)
		i := slices.IndexFunc(o.Fulfillments, func(f model.Fulfillment) bool { return f.ID == in.ID })
		var err error
		if i < 0 {
			err = s.addFulfillment(o, in)
		} else {
			err = s.updateFulfillment(o, &o.Fulfillments[i], in)
		}
		if err != nil {
			return err
		}
		s.settlePlanned(o)
		return nil
	})
}

// settlePlanned fits the planned fulfillments the store has not reported
// on yet to what is left of their lines: each line's quantity shrinks to
// the line's current quantity less what other fulfillments carry (the
// store may record its own fulfillments instead of reporting on the
// planned ones), and a planned fulfillment left with nothing is canceled,
// which agents read as "these items went another way".
func (s *Service) settlePlanned(o *model.Order) {
	for i := range o.Fulfillments {
		f := &o.Fulfillments[i]
		if !f.AwaitingStore() {
			continue
		}
		allocated := allocations(o, f.ID)
		var left []model.LineQuantity
		for _, lq := range f.Lines {
			j := slices.IndexFunc(o.Lines, func(l model.OrderLine) bool { return l.ID == lq.ID })
			if j < 0 {
				continue
			}
			if free := o.Lines[j].Current - allocated[lq.ID]; free > 0 {
				left = append(left, model.LineQuantity{ID: lq.ID, Quantity: min(lq.Quantity, free)})
			}
		}
		if slices.Equal(left, f.Lines) {
			continue
		}
		if len(left) == 0 {
			f.Status = model.FulfillmentCanceled
			s.logEvent(f, nil)
			continue
		}
		f.Lines = left
	}
}

func checkFulfillmentInput(in *FulfillmentInput) error {
	if _, ok := statusesByType[in.Type]; in.Type != "" && !ok {
		return apierr.Invalid(apierr.CodeInvalid, "$.type", "type must be shipping, pickup or digital.")
	}
	for i, lq := range in.Lines {
		if lq.ID == "" {
			return apierr.Invalid(apierr.CodeMissing, fmt.Sprintf("$.line_items[%d].id", i), "Each line item needs its id.")
		}
		if lq.Quantity < 1 {
			return apierr.Invalid(apierr.CodeInvalid, fmt.Sprintf("$.line_items[%d].quantity", i), "quantity must be at least 1.")
		}
	}
	if err := checkURL(in.TrackingURL, "$.tracking_url"); err != nil {
		return err
	}
	if in.Digital != nil {
		return checkURL(in.Digital.AccessURL, "$.digital_delivery.access_url")
	}
	return nil
}

// checkStatus refuses a status ACP does not define for the type.
func checkStatus(typ, status string) error {
	if statuses := statusesByType[typ]; status != "" && !slices.Contains(statuses, status) {
		return apierr.Invalid(apierr.CodeInvalid, "$.status", "A %s fulfillment's status is one of %v.", typ, statuses)
	}
	return nil
}

func checkURL(raw, param string) error {
	if raw == "" {
		return nil
	}
	if u, err := url.Parse(raw); err != nil || !u.IsAbs() || u.Host == "" {
		return apierr.Invalid(apierr.CodeInvalid, param, "%s must be an absolute URL.", param)
	}
	return nil
}

func (s *Service) addFulfillment(o *model.Order, in FulfillmentInput) error {
	if in.Type == "" {
		in.Type = "shipping"
	}
	if err := checkStatus(in.Type, in.Status); err != nil {
		return err
	}
	status := in.Status
	if status == "" {
		status = model.FulfillmentShipped
		if in.Type == "digital" {
			status = model.FulfillmentDelivered
		}
	}
	allocated := allocations(o, "")
	lines := in.Lines
	if len(lines) == 0 {
		for _, l := range o.Lines {
			if rest := l.Current - allocated[l.ID]; rest > 0 {
				lines = append(lines, model.LineQuantity{ID: l.ID, Quantity: rest})
			}
		}
		if len(lines) == 0 {
			return conflict(CodeNothingToShip, "$.line_items", "Every item of order %s is already in a fulfillment.", o.ID)
		}
	}
	if err := checkAllocation(o, lines, allocated); err != nil {
		return err
	}
	f := model.Fulfillment{ID: in.ID, Type: in.Type, Status: status, Lines: lines}
	if f.ID == "" {
		f.ID = ids.New("ful_")
	}
	applyDetails(&f, in)
	s.logEvent(&f, in.Event)
	o.Fulfillments = append(o.Fulfillments, f)
	return nil
}

func (s *Service) updateFulfillment(o *model.Order, f *model.Fulfillment, in FulfillmentInput) error {
	if in.Type != "" && in.Type != f.Type {
		return apierr.Invalid(apierr.CodeInvalid, "$.type", "Fulfillment %s is of type %s.", f.ID, f.Type)
	}
	if err := checkStatus(f.Type, in.Status); err != nil {
		return err
	}
	if len(in.Lines) > 0 && !slices.Equal(in.Lines, f.Lines) {
		return apierr.Invalid(apierr.CodeInvalid, "$.line_items", "The line items of fulfillment %s cannot change; record a new fulfillment instead.", f.ID)
	}
	if in.Status != "" && in.Status != f.Status {
		if (f.Void() || f.AwaitingStore()) && in.Status != model.FulfillmentFailed && in.Status != model.FulfillmentCanceled {
			// A fulfillment coming back, or a planned one starting, must
			// still fit beside the others.
			if err := checkAllocation(o, f.Lines, allocations(o, f.ID)); err != nil {
				return err
			}
		}
		f.Status = in.Status
		s.logEvent(f, in.Event)
	}
	applyDetails(f, in)
	return nil
}

// applyDetails sets the tracking and delivery details the input gives.
func applyDetails(f *model.Fulfillment, in FulfillmentInput) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&f.Carrier, in.Carrier)
	set(&f.TrackingNumber, in.TrackingNumber)
	set(&f.TrackingURL, in.TrackingURL)
	set(&f.Description, in.Description)
	if in.Digital != nil {
		f.Digital = in.Digital
	}
}

// logEvent appends the log entry of the fulfillment's current status.
func (s *Service) logEvent(f *model.Fulfillment, in *EventInput) {
	typ := eventTypeOf(f.Status)
	if typ == "" {
		return
	}
	ev := model.FulfillmentEvent{ID: ids.New("fev_"), Type: typ, OccurredAt: s.now().UTC()}
	if in != nil {
		ev.Description, ev.Location = in.Description, in.Location
		if in.OccurredAt != nil {
			ev.OccurredAt = in.OccurredAt.UTC()
		}
	}
	f.Events = append(f.Events, ev)
}

// allocations sums, per line, the quantities in fulfillments that still
// carry them, leaving out the fulfillment with id except. A planned
// fulfillment still pending carries nothing yet: the store may record its
// own fulfillments instead of reporting on the planned one.
func allocations(o *model.Order, except string) map[string]int64 {
	out := map[string]int64{}
	for _, f := range o.Fulfillments {
		if f.Void() || f.ID == except || f.AwaitingStore() {
			continue
		}
		for _, lq := range f.Lines {
			out[lq.ID] += lq.Quantity
		}
	}
	return out
}

// checkAllocation refuses lines that name no order line or would carry
// more of a line than is current on the order.
func checkAllocation(o *model.Order, lines []model.LineQuantity, allocated map[string]int64) error {
	want := map[string]int64{}
	for i, lq := range lines {
		j := slices.IndexFunc(o.Lines, func(l model.OrderLine) bool { return l.ID == lq.ID })
		if j < 0 {
			return apierr.Invalid(apierr.CodeInvalid, fmt.Sprintf("$.line_items[%d].id", i), "Order %s has no line item %q.", o.ID, lq.ID)
		}
		// Compared before adding, so that no quantity can overflow.
		if l := o.Lines[j]; lq.Quantity > l.Current-allocated[l.ID]-want[l.ID] {
			return conflict(CodeQuantityExceeded, fmt.Sprintf("$.line_items[%d].quantity", i),
				"Line item %s has %d on the order and %d already in fulfillments; %d more cannot be fulfilled.",
				l.ID, l.Current, allocated[l.ID], want[l.ID]+lq.Quantity)
		}
		want[lq.ID] += lq.Quantity
	}
	return nil
}

// Adjust records a refund or credit the store made. Refunds are refused
// when, with the refunds already completed or pending, they would return
// more than the order's total.
func (s *Service) Adjust(ctx context.Context, orderID string, in AdjustmentInput) (*model.Order, error) {
	if in.Type == "" {
		in.Type = model.AdjustmentRefund
	}
	if in.Status == "" {
		in.Status = model.AdjustmentCompleted
	}
	switch {
	case in.Type != model.AdjustmentRefund && in.Type != model.AdjustmentCredit:
		return nil, apierr.Invalid(apierr.CodeInvalid, "$.type", "type must be refund or credit.")
	case !slices.Contains([]string{model.AdjustmentPending, model.AdjustmentCompleted, model.AdjustmentFailed}, in.Status):
		return nil, apierr.Invalid(apierr.CodeInvalid, "$.status", "status must be pending, completed or failed.")
	case in.Amount <= 0:
		return nil, apierr.Invalid(apierr.CodeInvalid, "$.amount", "amount must be a positive integer in minor units.")
	}
	return s.change(ctx, orderID, func(o *model.Order) error {
		if in.Amount > o.Total {
			// Checked alone first, so that the sum below cannot overflow.
			return conflict(CodeAmountExceeded, "$.amount", "A refund or credit of %d is more than the %d paid for order %s.", in.Amount, o.Total, o.ID)
		}
		for i, lq := range in.Lines {
			if !slices.ContainsFunc(o.Lines, func(l model.OrderLine) bool { return l.ID == lq.ID }) {
				return apierr.Invalid(apierr.CodeInvalid, fmt.Sprintf("$.line_items[%d].id", i), "Order %s has no line item %q.", o.ID, lq.ID)
			}
		}
		adj := model.Adjustment{
			ID: in.ID, Type: in.Type, Status: in.Status, Lines: in.Lines, Amount: in.Amount, Currency: o.Currency,
			Description: in.Description, Reason: in.Reason, OccurredAt: s.now().UTC(),
		}
		if adj.ID == "" {
			adj.ID = ids.New("adj_")
		}
		upsertAdjustment(o, adj)
		if refunded := o.Refunded(true); refunded > o.Total {
			return conflict(CodeAmountExceeded, "$.amount", "Refunds of order %s would come to %d, more than the %d paid.", o.ID, refunded, o.Total)
		}
		return nil
	})
}

// Cancel records that the store canceled what is left of the order: every
// line's current quantity drops to what has already been fulfilled,
// fulfillments not yet dispatched are canceled, and a cancellation
// adjustment is logged. The order's status becomes canceled when nothing
// had been fulfilled; otherwise it follows what was. Money goes back
// through Adjust. An order whose items were all fulfilled cannot be
// canceled; a canceled one is returned as it is.
func (s *Service) Cancel(ctx context.Context, orderID string, in CancelInput) (*model.Order, error) {
	if err := s.cancelInOrderSystem(ctx, orderID, in); err != nil {
		return nil, err
	}
	return s.change(ctx, orderID, func(o *model.Order) error {
		if o.Status == model.OrderCanceled {
			return nil
		}
		if err := cancelable(o); err != nil {
			return err
		}
		adj := model.Adjustment{
			ID: ids.New("adj_"), Type: model.AdjustmentCancellation, Status: model.AdjustmentCompleted, Currency: o.Currency,
			Description: in.Description, Reason: in.Reason, OccurredAt: s.now().UTC(),
		}
		for i := range o.Lines {
			l := &o.Lines[i]
			if removed := l.Current - l.Fulfilled; removed > 0 {
				adj.Lines = append(adj.Lines, model.LineQuantity{ID: l.ID, Quantity: removed})
				l.Current = l.Fulfilled
			}
		}
		for i := range o.Fulfillments {
			if f := &o.Fulfillments[i]; !f.Dispatched() && !f.Void() {
				f.Status = model.FulfillmentCanceled
				s.logEvent(f, nil)
			}
		}
		o.Adjustments = append(o.Adjustments, adj)
		if !slices.ContainsFunc(o.Lines, func(l model.OrderLine) bool { return l.Fulfilled > 0 }) {
			o.Status = model.OrderCanceled
		}
		return nil
	})
}

// cancelable refuses to cancel an order with nothing left to fulfill.
func cancelable(o *model.Order) error {
	for _, l := range o.Lines {
		if l.Fulfilled < l.Current {
			return nil
		}
	}
	return conflict(CodeAlreadyFulfilled, "", "Every item of order %s has been fulfilled; report a refund instead.", o.ID)
}

// cancelInOrderSystem asks the fulfillment capability to cancel the order
// before it is canceled here, so that an order system that refuses (or is
// down) leaves the order as it was; the merchant repeats the cancel. The
// capability must treat a repeated cancel as success.
func (s *Service) cancelInOrderSystem(ctx context.Context, orderID string, in CancelInput) error {
	if s.fulfillment == nil {
		return nil
	}
	o, err := s.Get(ctx, orderID)
	if err != nil {
		return err
	}
	if o.Status == model.OrderCanceled {
		return nil
	}
	if err := cancelable(o); err != nil {
		return err
	}
	reason := in.Reason
	if reason == "" {
		reason = in.Description
	}
	err = s.fulfillment.CancelOrder(ctx, &fulfillment.CancelOrderRequest{OrderID: orderID, Reason: reason})
	var refusal *acp.Error
	if errors.As(err, &refusal) && !refusal.Retryable {
		return conflict(CodeCancelRefused, "", "The seller's order system refused to cancel order %s; nothing was changed.", orderID)
	}
	if err != nil {
		return apierr.Unavailable(apierr.CodeUpstreamUnavailable, fmt.Errorf("cancel order %s in the order system: %w", orderID, err),
			"The seller's order system could not cancel order %s; nothing was changed. Try again shortly.", orderID)
	}
	return nil
}

// CancelUnpaid cancels an order whose payment could not be captured after
// the order system accepted it: through the order system first, as any
// cancellation, then here, which sends the agent an order_update event.
func (s *Service) CancelUnpaid(ctx context.Context, orderID, description string) error {
	_, err := s.Cancel(ctx, orderID, CancelInput{Reason: "payment_capture_failed", Description: description})
	return err
}
