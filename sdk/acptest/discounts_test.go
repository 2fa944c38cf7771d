package acptest_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// discountDouble is a tiny promotion engine: code SAVE10 takes 10 % off
// every line, and a cart of 20.00 or more ships free. Its flags break one
// contract each.
type discountDouble struct {
	// dropRejections leaves the unapplied code NOPE out; expiredUnknown rejects
	// an unknown code as expired; overAllocate gives a line one more than
	// its price; badSum claims one more than its allocations; drift names
	// its discount differently on every call; refuseEmpty fails a cart
	// without lines.
	dropRejections, expiredUnknown, overAllocate, badSum, drift, refuseEmpty bool

	mu    sync.Mutex
	calls int
}

func (d *discountDouble) Evaluate(ctx context.Context, req *catalog.DiscountRequest) (*catalog.DiscountResponse, error) {
	if d.refuseEmpty && len(req.Lines) == 0 {
		return nil, errors.New("no lines")
	}
	d.mu.Lock()
	d.calls++
	calls := d.calls
	d.mu.Unlock()
	resp := &catalog.DiscountResponse{}
	var subtotal int64
	for _, l := range req.Lines {
		subtotal += l.Subtotal
	}
	for _, code := range req.Codes {
		if !strings.EqualFold(code, "SAVE10") || len(req.Lines) == 0 {
			reason := acp.CodeDiscountCodeInvalid
			if d.expiredUnknown {
				reason = acp.CodeDiscountCodeExpired
			}
			if !d.dropRejections || code != "NOPE" {
				resp.Rejected = append(resp.Rejected, catalog.RejectedCode{Code: code, Reason: reason, Message: "Unknown code."})
			}
			continue
		}
		ten := catalog.AppliedDiscount{ID: "save10", Code: code, Name: "10% off", PercentOff: 10, Method: catalog.MethodAcross, Priority: 1}
		if d.drift {
			ten.Name = time.Duration(calls).String()
		}
		for _, l := range req.Lines {
			off := l.Subtotal / 10
			if d.overAllocate {
				off = l.Subtotal + 1
			}
			ten.Allocations = append(ten.Allocations, catalog.Allocation{LineID: l.ID, Amount: off})
			ten.Amount += off
		}
		if d.badSum {
			ten.Amount++
		}
		resp.Applied = append(resp.Applied, ten)
	}
	if subtotal >= 2000 {
		for _, f := range req.Fulfillment {
			resp.Applied = append(resp.Applied, catalog.AppliedDiscount{ID: "free-ship-" + f.ID, Automatic: true, Name: "Free shipping",
				PercentOff: 100, Priority: 2, Amount: f.Amount, Allocations: []catalog.Allocation{{FulfillmentID: f.ID, Amount: f.Amount}}})
		}
	}
	return resp, nil
}

// discountCart is the cart the discount suite asks about.
var discountCart = catalog.DiscountRequest{
	Codes: []string{"save10", "NOPE"},
	Lines: []catalog.DiscountLine{
		{ID: "li_1", ItemID: "mug", Quantity: 2, UnitPrice: 1000, Subtotal: 2000, Categories: []string{"kitchen"}},
		{ID: "li_2", ItemID: "cap", Quantity: 1, UnitPrice: 550, Subtotal: 550},
	},
	Fulfillment: []catalog.FulfillmentCharge{{ID: "ship_std", LineIDs: []string{"li_1", "li_2"}, Amount: 500}},
}

// catalogDiscountsFunc adapts a function to catalog.Discounts.
type catalogDiscountsFunc func(context.Context, *catalog.DiscountRequest) (*catalog.DiscountResponse, error)

func (f catalogDiscountsFunc) Evaluate(ctx context.Context, req *catalog.DiscountRequest) (*catalog.DiscountResponse, error) {
	return f(ctx, req)
}
