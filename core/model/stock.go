package model

import "time"

// StockLevel is the stock of one stock-controlled SKU, kept by the store.
// A SKU without one is not stock-controlled: it never runs out.
//
// Units move between three counts. A payment attempt that starts holds
// units (Reserved); its order turns them into a sale (OnHand and Reserved
// both go down, Sold up); a decline, refusal, cancel or expiry gives them
// back (Reserved goes down). What agents may still buy is OnHand minus
// Reserved.
type StockLevel struct {
	// SKU is the item id agents buy.
	SKU string `json:"sku"`
	// OnHand is the units the seller holds, sales already taken off.
	OnHand int64 `json:"on_hand"`
	// Reserved is the units held by payment attempts in progress.
	Reserved int64 `json:"reserved"`
	// Sold is the units sold since OnHand was last set.
	Sold int64 `json:"sold"`
	// FileFigure is acp.yaml's stock figure when it was last applied, so
	// that a change of the file is noticed as a restock; nil when the
	// level was never taken from the file.
	FileFigure *int64 `json:"file_figure,omitempty"`
	// SetAt is when OnHand was last set (by the file, `acp stock set` or
	// the merchant API).
	SetAt time.Time `json:"set_at"`
	// UpdatedAt is when any count last changed.
	UpdatedAt time.Time `json:"updated_at"`
}

// Available is the units agents may still buy: on hand minus reserved,
// never below zero.
func (l *StockLevel) Available() int64 {
	return max(0, l.OnHand-l.Reserved)
}

// Reservation is the units one checkout session holds while its payment
// attempt runs. A session holds at most one; it exists from the start of
// the attempt until the attempt's outcome is stored, in the same
// transaction as that outcome.
type Reservation struct {
	// SessionID is the holding checkout session.
	SessionID string `json:"session_id"`
	// Attempt is the session's payment attempt that holds the units.
	Attempt int `json:"attempt"`
	// Lines are the held units, one entry per stock-controlled SKU.
	Lines []ReservedLine `json:"lines"`
	// CreatedAt is when the attempt started.
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is when the hold lapses unless the payment is still being
	// resolved: the session's own expiry.
	ExpiresAt time.Time `json:"expires_at"`
	// Provider is the catalog plugin that holds the units, or empty when
	// the store's own stock levels hold them.
	Provider string `json:"provider,omitempty"`
	// State is where a plugin's hold stands (HoldInDoubt, ...); empty for
	// the store's own reservations.
	State HoldState `json:"state,omitempty"`
	// Owner is the store lease owner (store.Leases().Owner()) of the
	// process that last changed a plugin's hold: the one expected to
	// finish it while it lives.
	Owner string `json:"owner,omitempty"`
}

// HoldState is where a catalog plugin's hold stands. The host records
// each state before it calls the plugin, so that after a crash it knows
// what the plugin may have done.
type HoldState string

// Hold states.
const (
	// HoldInDoubt: recorded with the payment attempt; the plugin may or may
	// not hold the units. No payment is attempted while a hold is in doubt.
	HoldInDoubt HoldState = "in_doubt"
	// HoldHeld: the plugin holds the units.
	HoldHeld HoldState = "held"
	// HoldCommitting: the order is stored; the plugin is to sell the units.
	HoldCommitting HoldState = "committing"
	// HoldReleasing: the attempt ended without an order; the plugin is to
	// give the units back.
	HoldReleasing HoldState = "releasing"
)

// ReservedLine is the units of one SKU a reservation holds.
type ReservedLine struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// SKUs returns the reservation's SKUs.
func (r *Reservation) SKUs() []string {
	out := make([]string, len(r.Lines))
	for i, l := range r.Lines {
		out[i] = l.SKU
	}
	return out
}
