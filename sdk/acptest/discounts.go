package acptest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// The contracts of the optional capability catalog.discounts.
const (
	ContractDiscountCodes         = "discounts: every code given is applied or rejected, once, with one of catalog.DiscountRejectReasons"
	ContractDiscountUnknownCode   = "discounts: an unknown code is rejected as discount_code_invalid"
	ContractDiscountAllocations   = "discounts: allocations add up to each amount, name only the request's lines and charges, and never exceed their price"
	ContractDiscountDeterministic = "discounts: the same cart at the same time gets the same answer"
	ContractDiscountEmptyCart     = "discounts: a cart without lines (no item found) is answered, not refused"
)

// DiscountSuite says what to ask a promotion engine for.
type DiscountSuite struct {
	// Cart is a cart the plugin's promotions apply to, with the codes to
	// try (at least one line). The suite also asks with an unknown code
	// added, without codes, and without lines. Its At is the time of
	// evaluation; now when zero.
	Cart catalog.DiscountRequest
}

// RunDiscountConformance serves opts as New does and checks every
// contract of the optional capability catalog.discounts
// (catalog.Discounts), each in a subtest named after it. The rules of an
// answer are catalog.CheckDiscountCodes and
// catalog.CheckDiscountAllocations, which the host enforces too.
func RunDiscountConformance(t *testing.T, opts acpplugin.ServeOpts, suite DiscountSuite, options ...Option) {
	t.Helper()
	if opts.Discounts == nil || len(suite.Cart.Lines) == 0 {
		t.Fatal("acptest: RunDiscountConformance needs ServeOpts.Discounts and a cart with lines")
	}
	p := New(t, opts, options...)
	if !p.Info.Serves(acpplugin.CapabilityDiscounts) {
		t.Fatalf("acptest: the plugin does not announce %s", acpplugin.CapabilityDiscounts)
	}
	ctx := context.Background()
	cart := suite.Cart
	cart.Currency = currencyOr(cart.Currency)
	if cart.At.IsZero() {
		cart.At = time.Now().UTC().Truncate(time.Second)
	}
	unknown := fmt.Sprintf("ACPTEST-UNKNOWN-%d", time.Now().UnixNano())
	withUnknown := cart
	withUnknown.Codes = append(append([]string{}, cart.Codes...), unknown)
	noCodes := cart
	noCodes.Codes = nil
	empty := cart
	empty.Lines, empty.Fulfillment = nil, nil
	var answers []answer[*catalog.DiscountRequest, *catalog.DiscountResponse]
	for _, v := range []struct {
		what string
		req  catalog.DiscountRequest
	}{
		{"the suite's cart", cart},
		{"the suite's cart and an unknown code", withUnknown},
		{"the suite's cart without codes", noCodes},
		{"the suite's cart again", cart},
		{"a cart without lines", empty},
	} {
		req := v.req
		resp, err := p.Discounts().Evaluate(ctx, &req)
		answers = append(answers, answer[*catalog.DiscountRequest, *catalog.DiscountResponse]{what: v.what, req: &req, resp: resp, err: err, noLines: len(req.Lines) == 0})
	}
	check(t, ContractDiscountEmptyCart, func(c *contract) {
		if a := answers[len(answers)-1]; a.err != nil {
			c.broke("%s: Evaluate failed: %v; answer no discount and reject the codes", a.what, a.err)
		}
	})
	var withLines []answer[*catalog.DiscountRequest, *catalog.DiscountResponse]
	for _, a := range answers {
		if !a.noLines {
			if a.err != nil {
				t.Fatalf("acptest: Evaluate of %s failed: %v", a.what, a.err)
			}
			withLines = append(withLines, a)
		}
	}
	answered := succeeded(answers)
	check(t, ContractDiscountCodes, func(c *contract) {
		for _, a := range answered {
			if err := catalog.CheckDiscountCodes(a.req, a.resp); err != nil {
				c.broke("%s: %v", a.what, err)
			}
		}
	})
	check(t, ContractDiscountUnknownCode, func(c *contract) {
		for _, r := range answers[1].resp.Rejected {
			if r.Code == unknown && r.Reason == acp.CodeDiscountCodeInvalid {
				return
			}
		}
		c.broke("%s: code %q is not rejected as %s (rejected: %+v)", answers[1].what, unknown, acp.CodeDiscountCodeInvalid, answers[1].resp.Rejected)
	})
	check(t, ContractDiscountAllocations, func(c *contract) {
		for _, a := range answered {
			if err := catalog.CheckDiscountAllocations(a.req, a.resp); err != nil {
				c.broke("%s: %v", a.what, err)
			}
		}
	})
	check(t, ContractDiscountDeterministic, func(c *contract) {
		if first, again := withLines[0].resp, withLines[3].resp; !reflect.DeepEqual(first, again) {
			c.broke("the same cart was answered %+v, then %+v", first, again)
		}
	})
	checkMessages(t, "line_items", mapAnswers(answered, func(a answer[*catalog.DiscountRequest, *catalog.DiscountResponse]) answerMessages {
		return answerMessages{a.what, a.resp.Messages, len(a.req.Lines)}
	}))
	checkDeadline(t, func(ctx context.Context) error {
		req := cart
		_, err := opts.Discounts.Evaluate(ctx, &req)
		return err
	})
}
