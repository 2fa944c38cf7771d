package catalog

import (
	"context"
	"errors"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// StockReservations is the optional capability "catalog.stock_reservations":
// a catalog that counts its own stock holds units for a payment attempt
// before the host takes any money, sells them when the order is placed and
// gives them back when it is not. A catalog plugin offers it by handing an
// implementation to acpplugin.ServeOpts.StockReservations; the host then
// reserves through it on every complete, and shows the plugin as having
// stock control in `acp plugins describe`.
//
// Every method is idempotent by key: a repeated call with the same key
// (the host retries after a crash or a lost answer) answers as the first
// did and changes nothing more. Any method may return acp.ErrNotOffered
// (an implementation that counts stock only for some stores); the host
// then checks out without stock control, as for a catalog without the
// capability.
type StockReservations interface {
	// Reserve holds every line's units under req.Key until req.ExpiresAt,
	// all or nothing. When some line does not fit what is available, it
	// holds nothing and answers Held false with one Shortfall per such
	// line. A key already held answers Held true again and extends the
	// hold to req.ExpiresAt when that is later (the host renews the hold
	// of a payment still being resolved this way, before it lapses). A key
	// whose hold lapsed is held again when its units still fit (otherwise
	// Held false with Shortfalls). A key already committed or released is
	// an error; in particular a Reserve after a Release of a key never
	// held holds nothing (the host releases a key whose Reserve it may
	// have lost, and a late Reserve must not hold units nobody settles).
	Reserve(ctx context.Context, req *ReserveRequest) (*ReserveResponse, error)
	// Commit turns the key's hold into a sale: the order was placed. A key
	// already committed is a success. A hold that lapsed (its expiry
	// passed and its units went back) is sold when its units still fit;
	// otherwise Commit refuses with ErrHoldLapsed (the order's units are
	// gone: the host raises it to the seller). A key never held answers
	// ErrNoSuchHold; a released key is an error.
	//
	// The host keeps asking (and raises it to the seller) until Commit
	// succeeds or answers ErrNoSuchHold or ErrHoldLapsed: any other error,
	// retryable or not, is taken as "not yet". A failure to read or write
	// the implementation's own storage must be marked retryable
	// (acp.Retryable).
	Commit(ctx context.Context, key string) error
	// Release gives the key's hold back: no order will be placed. A key
	// already released, lapsed or never held is a success (nothing to
	// give back); a committed key is an error.
	Release(ctx context.Context, key string) error
}

// Reasons (acp.Error.Reason) of Commit's definite refusals. They cross
// the plugin protocol with the error; test for them with IsNoSuchHold and
// IsHoldLapsed.
const (
	// ReasonNoSuchHold: the key was never held.
	ReasonNoSuchHold = "no_such_hold"
	// ReasonHoldLapsed: the hold lapsed and its units no longer fit.
	ReasonHoldLapsed = "hold_lapsed"
)

// ErrNoSuchHold is Commit's answer for a key that was never held.
var ErrNoSuchHold error = &acp.Error{Source: acp.SourcePlugin, Reason: ReasonNoSuchHold, Err: errors.New("no such hold")}

// ErrHoldLapsed is Commit's answer for a hold that lapsed and whose units
// no longer fit the stock.
var ErrHoldLapsed error = &acp.Error{Source: acp.SourcePlugin, Reason: ReasonHoldLapsed, Err: errors.New("the hold lapsed and its units are no longer in stock")}

// IsNoSuchHold reports whether err is Commit's ErrNoSuchHold answer (as
// received across the plugin protocol: by its reason).
func IsNoSuchHold(err error) bool { return acp.IsFinal(err, ReasonNoSuchHold) }

// IsHoldLapsed reports whether err is Commit's ErrHoldLapsed answer.
func IsHoldLapsed(err error) bool { return acp.IsFinal(err, ReasonHoldLapsed) }

// ReserveRequest asks to hold units of several SKUs under one key.
type ReserveRequest struct {
	// Key identifies the hold: the checkout session id and its payment
	// attempt ("cs_...:attempt:N").
	Key string
	// Lines has one entry per SKU, each Quantity at least 1.
	Lines []StockLine
	// ExpiresAt is when the hold lapses unless committed: its units go
	// back to the stock.
	ExpiresAt time.Time
	// DiscountCodes are the usage-limited codes (Discounts) the attempt
	// uses, one use each, held, committed and released with the lines
	// (protocol 1.3). A code with no use left is a Shortfall whose SKU is
	// "discount:" and the code, with Available 0.
	DiscountCodes []string
}

// StockLine is a quantity of one SKU.
type StockLine struct {
	// SKU is the item id.
	SKU string
	// Quantity is the number of units, at least 1.
	Quantity int64
}

// ReserveResponse says whether the units are held.
type ReserveResponse struct {
	// Held is true when every line is held under the key.
	Held bool
	// Shortfalls lists, when Held is false, each line that does not fit.
	Shortfalls []Shortfall
}

// Shortfall is a line that does not fit the stock.
type Shortfall struct {
	// SKU is the item id.
	SKU string
	// Available is the units that could still be held (0: out of stock).
	Available int64
}
