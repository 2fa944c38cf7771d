// Package promotion is a ready promotion engine: Engine implements
// catalog.Discounts over a list of promotions (percent off, amount off or
// free shipping; on the order, on items or on categories; with codes or
// automatic, time windows, minimum subtotals, usage limits, stacking and
// priorities). A catalog plugin that keeps its promotions itself can
// serve the optional catalog.discounts capability with it, and the
// sidecar's built-in promotions (acp.yaml) are this same engine, so a
// cart gets the same discounts from either. Check gives the rules a list
// of promotions must follow before New takes it.
package promotion

import "time"

// Promotion kinds.
const (
	// KindPercentOff takes a percentage off what the promotion covers.
	KindPercentOff = "percent_off"
	// KindAmountOff takes a fixed amount (minor units) off what the
	// promotion covers, split across its lines.
	KindAmountOff = "amount_off"
	// KindFreeShipping takes the whole charge off the selected
	// fulfillment options carrying what the promotion covers.
	KindFreeShipping = "free_shipping"
)

// What a promotion covers.
const (
	// AppliesToOrder: the whole cart; an order-level discount.
	AppliesToOrder = "order"
	// AppliesToItems: the lines of the listed item ids; item-level.
	AppliesToItems = "items"
	// AppliesToCategories: the lines whose item is in a listed category;
	// item-level.
	AppliesToCategories = "categories"
)

// Promotion is one promotion the engine gives.
type Promotion struct {
	// ID identifies the promotion (AppliedDiscount.ID).
	ID string
	// Name is shown to buyers.
	Name string
	// Code unlocks the promotion (matched case-insensitively); empty
	// makes it automatic.
	Code string
	// Kind is KindPercentOff, KindAmountOff or KindFreeShipping.
	Kind string
	// PercentOff is the percentage of KindPercentOff (10 for 10 %).
	PercentOff float64
	// AmountOff is the amount of KindAmountOff in minor units.
	AmountOff int64
	// AppliesTo is AppliesToOrder, AppliesToItems or AppliesToCategories.
	AppliesTo string
	// Items and Categories are what AppliesToItems and
	// AppliesToCategories cover.
	Items, Categories []string
	// MinSubtotal is the least subtotal (before discounts) of the lines
	// the promotion covers for it to apply; 0 for none.
	MinSubtotal int64
	// StartsAt and EndsAt bound the promotion; zero when unbounded. It
	// applies from StartsAt (inclusive) until EndsAt (exclusive).
	StartsAt, EndsAt time.Time
	// MaxUses limits how many orders may use Code; 0 for no limit.
	MaxUses int64
	// Combinable lets the promotion stack with other combinable ones.
	Combinable bool
	// Priority orders the promotions: 1 applies first; 0 is after all
	// others. Equal priorities apply in configuration order.
	Priority int
}
