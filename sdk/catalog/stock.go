package catalog

import (
	"context"
	"time"
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
	// line. A key already held answers Held true again; a key already
	// committed or released is an error.
	Reserve(ctx context.Context, req *ReserveRequest) (*ReserveResponse, error)
	// Commit turns the key's hold into a sale: the order was placed. A key
	// already committed is a success. A hold that lapsed (its expiry
	// passed and its units went back) is sold all the same: the order
	// exists. A key never held, or released, is an error.
	Commit(ctx context.Context, key string) error
	// Release gives the key's hold back: no order will be placed. A key
	// already released, lapsed or never held is a success (nothing to
	// give back); a committed key is an error.
	Release(ctx context.Context, key string) error
}

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
