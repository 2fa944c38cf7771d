package catalog_test

import (
	"math"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

func discountCart() *catalog.DiscountRequest {
	return &catalog.DiscountRequest{
		Currency: "usd", Codes: []string{"SAVE10", "bogus"},
		Lines: []catalog.DiscountLine{
			{ID: "li_1", ItemID: "mug", Quantity: 2, UnitPrice: 1000, Subtotal: 2000},
			{ID: "li_2", ItemID: "cap", Quantity: 1, UnitPrice: 500, Subtotal: 500},
		},
		Fulfillment: []catalog.FulfillmentCharge{{ID: "ship", LineIDs: []string{"li_1", "li_2"}, Amount: 300}},
	}
}

func discountAnswer() *catalog.DiscountResponse {
	return &catalog.DiscountResponse{
		Applied: []catalog.AppliedDiscount{
			{ID: "ten", Code: "save10", PercentOff: 10, Method: catalog.MethodAcross, Amount: 250,
				Allocations: []catalog.Allocation{{LineID: "li_1", Amount: 200}, {LineID: "li_2", Amount: 50}}},
			{ID: "free-ship", Automatic: true, AmountOff: 300, Amount: 300, Allocations: []catalog.Allocation{{FulfillmentID: "ship", Amount: 300}}},
		},
		Rejected: []catalog.RejectedCode{{Code: "bogus", Reason: acp.CodeDiscountCodeInvalid, Message: "Unknown code."}},
	}
}

func TestCheckDiscounts(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		req     func(*catalog.DiscountRequest)
		resp    func(*catalog.DiscountResponse)
		wantErr string // empty: valid
	}{
		"valid":             {},
		"no codes, nothing": {req: func(r *catalog.DiscountRequest) { r.Codes = nil }, resp: func(r *catalog.DiscountResponse) { *r = catalog.DiscountResponse{} }},
		"a code given twice, rejected once more": {
			req: func(r *catalog.DiscountRequest) { r.Codes = append(r.Codes, "Save10") },
			resp: func(r *catalog.DiscountResponse) {
				r.Rejected = append(r.Rejected, catalog.RejectedCode{Code: "Save10", Reason: acp.CodeDiscountCodeAlreadyApplied})
			},
		},
		"a code left out": {
			resp:    func(r *catalog.DiscountResponse) { r.Rejected = nil },
			wantErr: `code "bogus" is neither applied nor rejected`,
		},
		"a code applied and rejected": {
			resp: func(r *catalog.DiscountResponse) {
				r.Rejected = append(r.Rejected, catalog.RejectedCode{Code: "SAVE10", Reason: acp.CodeDiscountCodeInvalid})
			},
			wantErr: `code "SAVE10" is accounted for more often`,
		},
		"a code not given": {
			resp:    func(r *catalog.DiscountResponse) { r.Rejected[0].Code = "other" },
			wantErr: `names code "other", which the request does not give`,
		},
		"a reason not ACP's": {
			resp:    func(r *catalog.DiscountResponse) { r.Rejected[0].Reason = "nope" },
			wantErr: `gives reason "nope"`,
		},
		"no id": {
			resp:    func(r *catalog.DiscountResponse) { r.Applied[0].ID = "" },
			wantErr: "applied discount 0 has no id",
		},
		"no code, not automatic": {
			resp:    func(r *catalog.DiscountResponse) { r.Applied[1].Automatic = false },
			wantErr: "has no code and is not automatic",
		},
		"automatic with a code": {
			resp:    func(r *catalog.DiscountResponse) { r.Applied[0].Automatic = true },
			wantErr: `is automatic but names code "save10"`,
		},
		"percent off not a number": {
			resp:    func(r *catalog.DiscountResponse) { r.Applied[0].PercentOff = math.NaN() },
			wantErr: "percent off outside 0-100",
		},
		"unknown method": {
			resp:    func(r *catalog.DiscountResponse) { r.Applied[0].Method = "some" },
			wantErr: `has method "some"`,
		},
		"allocations short of the amount": {
			resp:    func(r *catalog.DiscountResponse) { r.Applied[0].Amount = 260 },
			wantErr: "has amount 260 but its allocations add up to 250",
		},
		"above a line's price": {
			resp: func(r *catalog.DiscountResponse) {
				r.Applied[0].Allocations[1].Amount, r.Applied[0].Amount = 501, 701
			},
			wantErr: `gives 501 off line "li_2", which has 500 left to discount`,
		},
		"two discounts above a line's price together": {
			resp: func(r *catalog.DiscountResponse) {
				r.Applied = append(r.Applied, catalog.AppliedDiscount{ID: "more", Automatic: true, Amount: 451,
					Allocations: []catalog.Allocation{{LineID: "li_2", Amount: 451}}})
			},
			wantErr: `gives 451 off line "li_2", which has 450 left to discount`,
		},
		"above a fulfillment charge": {
			resp: func(r *catalog.DiscountResponse) {
				r.Applied[1].Allocations[0].Amount, r.Applied[1].Amount = 301, 301
			},
			wantErr: `gives 301 off fulfillment charge "ship", which has 300 left`,
		},
		"unknown line": {
			resp:    func(r *catalog.DiscountResponse) { r.Applied[0].Allocations[0].LineID = "li_9" },
			wantErr: `names line "li_9", which the request does not have`,
		},
		"unknown charge": {
			resp:    func(r *catalog.DiscountResponse) { r.Applied[1].Allocations[0].FulfillmentID = "express" },
			wantErr: `names fulfillment charge "express"`,
		},
		"both targets": {
			resp:    func(r *catalog.DiscountResponse) { r.Applied[0].Allocations[0].FulfillmentID = "ship" },
			wantErr: "exactly one of a line and a fulfillment charge",
		},
		"negative allocation": {
			resp: func(r *catalog.DiscountResponse) {
				r.Applied[0].Allocations = append(r.Applied[0].Allocations, catalog.Allocation{LineID: "li_2", Amount: -1})
				r.Applied[0].Amount = 249
			},
			wantErr: "is negative (-1)",
		},
		"negative amount": {
			resp: func(r *catalog.DiscountResponse) {
				r.Applied[0].Amount, r.Applied[0].Allocations = -5, []catalog.Allocation{{LineID: "li_1", Amount: -5}}
			},
			wantErr: "has a negative amount",
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req, resp := discountCart(), discountAnswer()
			if tc.req != nil {
				tc.req(req)
			}
			if tc.resp != nil {
				tc.resp(resp)
			}
			err := catalog.CheckDiscounts(req, resp)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("CheckDiscounts() = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}
