package acpwire

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/sdk/acp"
)

const discountCreate = `{"line_items":[{"id":"a"}],"currency":"usd","capabilities":{}`

func TestDecodeDiscountCodesCreate(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		members        string
		wantCodes      []string
		wantExtensions []string
	}{
		"none":                     {``, nil, nil},
		"discounts.codes":          {`,"discounts":{"codes":["SAVE10","Free-Ship"]}`, []string{"SAVE10", "Free-Ship"}, nil},
		"coupons alias":            {`,"coupons":["SAVE10"]`, []string{"SAVE10"}, nil},
		"discounts.codes wins":     {`,"coupons":["OLD"],"discounts":{"codes":["NEW"]}`, []string{"NEW"}, nil},
		"empty codes still win":    {`,"coupons":["OLD"],"discounts":{"codes":[]}`, []string{}, nil},
		"discounts without codes":  {`,"coupons":["OLD"],"discounts":{}`, []string{"OLD"}, nil},
		"null discounts":           {`,"discounts":null`, nil, nil},
		"duplicates kept in order": {`,"discounts":{"codes":["save10","SAVE10"]}`, []string{"save10", "SAVE10"}, nil},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, version := range []string{V20260417, V20260130} {
				c, _ := New(version, testSeller, DefaultLimits)
				in, err := c.DecodeCreate([]byte(discountCreate + tc.members + `}`))
				if err != nil {
					t.Fatalf("%s: %v", version, err)
				}
				if !slices.Equal(in.DiscountCodes, tc.wantCodes) || (tc.wantCodes != nil && in.DiscountCodes == nil) {
					t.Errorf("%s: codes = %#v, want %#v", version, in.DiscountCodes, tc.wantCodes)
				}
			}
		})
	}
}

func TestDecodeExtensions(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		capabilities string
		want         []string
	}{
		"none":                      {`{}`, nil},
		"null":                      {`{"extensions":null}`, nil},
		"empty":                     {`{"extensions":[]}`, nil},
		"names in order":            {`{"extensions":["discount","future_thing"]}`, []string{"discount", "future_thing"}},
		"declarations are not read": {`{"extensions":[{"name":"discount"},"discount",3]}`, []string{"discount"}},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in, err := codec(t).DecodeCreate([]byte(`{"line_items":[{"id":"a"}],"currency":"usd","capabilities":` + tc.capabilities + `}`))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(in.Extensions, tc.want) {
				t.Errorf("extensions = %#v, want %#v", in.Extensions, tc.want)
			}
		})
	}
	many := make([]string, maxExtensionNames+5)
	for i := range many {
		many[i] = fmt.Sprintf("%q", fmt.Sprint("ext", i))
	}
	in, err := codec(t).DecodeCreate([]byte(`{"line_items":[{"id":"a"}],"currency":"usd","capabilities":{"extensions":[` + strings.Join(many, ",") + `]}}`))
	if err != nil || len(in.Extensions) != maxExtensionNames {
		t.Errorf("%d names read, want the first %d (%v)", len(in.Extensions), maxExtensionNames, err)
	}
}

func TestDecodeDiscountCodesUpdate(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		body              string
		wantSet, wantNull bool
		wantCodes         []string
	}{
		"absent is unchanged":       {`{}`, false, false, nil},
		"discounts without codes":   {`{"discounts":{}}`, false, false, nil},
		"replaces":                  {`{"discounts":{"codes":["SAVE10"]}}`, true, false, []string{"SAVE10"}},
		"empty clears":              {`{"discounts":{"codes":[]}}`, true, false, []string{}},
		"null codes clear":          {`{"discounts":{"codes":null}}`, true, true, []string{}},
		"null discounts clear":      {`{"discounts":null}`, true, true, []string{}},
		"coupons alias":             {`{"coupons":["OLD"]}`, true, false, []string{"OLD"}},
		"null coupons clear":        {`{"coupons":null}`, true, true, []string{}},
		"discounts.codes wins":      {`{"coupons":["OLD"],"discounts":{"codes":["NEW"]}}`, true, false, []string{"NEW"}},
		"cleared codes win":         {`{"coupons":["OLD"],"discounts":{"codes":[]}}`, true, false, []string{}},
		"coupons when codes absent": {`{"coupons":["OLD"],"discounts":{}}`, true, false, []string{"OLD"}},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, version := range []string{V20260417, V20260130} {
				c, _ := New(version, testSeller, DefaultLimits)
				in, err := c.DecodeUpdate([]byte(tc.body))
				if err != nil {
					t.Fatalf("%s: %v", version, err)
				}
				got := in.DiscountCodes
				if got.Set != tc.wantSet || got.Null != tc.wantNull || !slices.Equal(got.V, tc.wantCodes) {
					t.Errorf("%s: codes = %+v, want set %v null %v %v", version, got, tc.wantSet, tc.wantNull, tc.wantCodes)
				}
			}
		})
	}
}

func TestDecodeDiscountErrors(t *testing.T) {
	t.Parallel()
	many := strings.TrimSuffix(strings.Repeat(`"C",`, maxDiscountCodes+1), ",")
	long := strings.Repeat("X", maxDiscountCodeLen+1)
	testCases := map[string]struct {
		op, body, wantCode, wantParam string
	}{
		"codes not an array":      {"create", discountCreate + `,"discounts":{"codes":"SAVE10"}}`, apierr.CodeInvalidType, "$.discounts.codes"},
		"code not a string":       {"create", discountCreate + `,"discounts":{"codes":["A",7]}}`, apierr.CodeInvalidType, "$.discounts.codes[1]"},
		"discounts not object":    {"update", `{"discounts":["SAVE10"]}`, apierr.CodeInvalidType, "$.discounts"},
		"empty code":              {"create", discountCreate + `,"discounts":{"codes":["A"," "]}}`, apierr.CodeMissing, "$.discounts.codes[1]"},
		"too many codes":          {"update", `{"discounts":{"codes":[` + many + `]}}`, apierr.CodeInvalid, "$.discounts.codes"},
		"code too long":           {"update", `{"discounts":{"codes":["` + long + `"]}}`, apierr.CodeInvalid, "$.discounts.codes[0]"},
		"control character":       {"create", discountCreate + `,"discounts":{"codes":["SAVE\n10"]}}`, apierr.CodeInvalid, "$.discounts.codes[0]"},
		"space around a code":     {"create", discountCreate + `,"discounts":{"codes":["SAVE10", " SAVE10"]}}`, apierr.CodeInvalid, "$.discounts.codes[1]"},
		"bidi override":           {"update", `{"coupons":["SAVE\u202e01"]}`, apierr.CodeInvalid, "$.coupons[0]"},
		"coupons not an array":    {"update", `{"coupons":"SAVE10"}`, apierr.CodeInvalidType, "$.coupons"},
		"empty coupon":            {"create", discountCreate + `,"coupons":[""]}`, apierr.CodeMissing, "$.coupons[0]"},
		"extensions not array":    {"create", `{"line_items":[{"id":"a"}],"currency":"usd","capabilities":{"extensions":"discount"}}`, apierr.CodeInvalidType, "$.capabilities.extensions"},
		"bad coupons, good codes": {"update", `{"coupons":[1],"discounts":{"codes":["A"]}}`, apierr.CodeInvalidType, "$.coupons[0]"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, version := range []string{V20260417, V20260130} {
				c, _ := New(version, testSeller, DefaultLimits)
				wantDecodeError(t, decode(c, tc.op, []byte(tc.body)), tc.wantCode, tc.wantParam)
			}
		})
	}
}

// TestLegacyDecodeHasNoCodes: versions before 2026-01-30 have no code
// member; what an agent sends there is not read as codes.
func TestLegacyDecodeHasNoCodes(t *testing.T) {
	t.Parallel()
	for _, version := range legacyVersions {
		c := legacyCodec(t, version)
		in, err := c.DecodeCreate([]byte(`{"items":[{"id":"a","quantity":1}],"discounts":{"codes":["SAVE10"]},"coupons":["X"],"capabilities":{"extensions":["discount"]}}`))
		if err != nil {
			t.Fatalf("%s: %v", version, err)
		}
		if in.DiscountCodes != nil || in.Extensions != nil {
			t.Errorf("%s: codes %v extensions %v, want none", version, in.DiscountCodes, in.Extensions)
		}
		up, err := c.DecodeUpdate([]byte(`{"discounts":null,"coupons":[]}`))
		if err != nil || up.DiscountCodes.Set {
			t.Errorf("%s: update codes %+v, %v", version, up.DiscountCodes, err)
		}
	}
}

// discountCase is a session with discounts as the engine leaves it.
type discountCase struct {
	session func() *model.Session
	// wantAllocations are the paths of each applied discount's
	// allocations on the wire, in order.
	wantAllocations [][]string
}

// baseDiscountSession is testSession (lines li_item_123, li_ebook and an
// unknown item; shipping selected for the first, download for the
// second) without its error messages, ready for payment.
func baseDiscountSession() *model.Session {
	s := testSession()
	s.Messages = nil
	return s
}

var discountStart = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)

var discountCases = map[string]discountCase{
	"item-level percent": {session: func() *model.Session {
		s := baseDiscountSession()
		end := discountStart.AddDate(0, 6, 0)
		s.Discounts = &model.Discounts{Negotiated: true, Codes: []string{"summer20"}, Applied: []model.AppliedDiscount{{
			ID: "promo_summer", Code: "SUMMER20", Name: "Summer Sale 20% Off", PercentOff: 20, Method: "each", Priority: 1,
			Start: &discountStart, End: &end, Amount: 320,
			Allocations: []model.DiscountAllocation{{LineID: "li_item_123", Amount: 120}, {LineID: "li_ebook", Amount: 200}},
		}}}
		s.Lines[0].Discount, s.Lines[0].Subtotal, s.Lines[0].Tax, s.Lines[0].Total = 120, 480, 48, 528
		s.Lines[1].Discount, s.Lines[1].Subtotal, s.Lines[1].Tax, s.Lines[1].Total = 200, 799, 80, 879
		s.Totals = model.Totals{ItemsBaseAmount: 1599, ItemsDiscount: 320, Subtotal: 1279, Fulfillment: 100, Tax: 128, Total: 1507}
		s.TaxBreakdown = []model.TaxShare{{Jurisdiction: "US-CA", Rate: 0.1, Amount: 128}}
		return s
	}, wantAllocations: [][]string{{"$.line_items[0]", "$.line_items[1]"}}},
	"order-level amount": {session: func() *model.Session {
		s := baseDiscountSession()
		s.Discounts = &model.Discounts{Negotiated: true, Codes: []string{"SAVE5"}, Applied: []model.AppliedDiscount{{
			ID: "promo_save5", Code: "SAVE5", Name: "$5 Off Your Order", AmountOff: 500, Method: "across", Amount: 500,
			Allocations: []model.DiscountAllocation{{LineID: "li_item_123", Amount: 188}, {LineID: "li_ebook", Amount: 312}},
		}}}
		// Each line is taxed after its share (600-188 and 999-312 at 10 %);
		// its total is its subtotal plus that tax, the share coming off the
		// session's discount total.
		s.Lines[0].Tax, s.Lines[0].Total = 41, 641
		s.Lines[1].Tax, s.Lines[1].Total = 69, 1068
		s.Totals = model.Totals{ItemsBaseAmount: 1599, Discount: 500, Subtotal: 1599, Fulfillment: 100, Tax: 110, Total: 1309}
		s.TaxBreakdown = []model.TaxShare{{Jurisdiction: "US-CA", Rate: 0.1, Amount: 110}}
		return s
	}, wantAllocations: [][]string{{"$.line_items[0]", "$.line_items[1]"}}},
	"free shipping automatic": {session: func() *model.Session {
		s := baseDiscountSession()
		s.Discounts = &model.Discounts{Negotiated: true, Applied: []model.AppliedDiscount{{
			ID: "promo_freeship", Automatic: true, Name: "Free shipping over $10", Amount: 100,
			Allocations: []model.DiscountAllocation{{OptionID: "fulfillment_option_123", Amount: 100}},
		}}}
		s.Totals = model.Totals{ItemsBaseAmount: 1599, Discount: 100, FulfillmentDiscount: 100, Subtotal: 1599, Fulfillment: 100, Tax: 170, Total: 1769}
		return s
	}, wantAllocations: [][]string{{"$.totals.fulfillment"}}},
	"rejected code": {session: func() *model.Session {
		s := baseDiscountSession()
		s.Discounts = &model.Discounts{Negotiated: true, Codes: []string{"SAVE5", "EXPIRED50"},
			Applied: []model.AppliedDiscount{{ID: "promo_save5", Code: "SAVE5", Name: "$5 Off Your Order", AmountOff: 500, Amount: 500,
				Allocations: []model.DiscountAllocation{{LineID: "li_item_123", Amount: 188}, {LineID: "li_ebook", Amount: 312}}}},
			Rejected: []model.RejectedDiscount{{Code: "EXPIRED50", Reason: acp.CodeDiscountCodeExpired, Message: "Code 'EXPIRED50' has expired."}},
		}
		s.Messages = acp.Messages{{Type: acp.MessageWarning, Code: acp.CodeDiscountCodeExpired, Param: "$.discounts.codes[1]",
			Content: "Code 'EXPIRED50' has expired.", Resolution: acp.ResolutionRecoverable}}
		// Each line is taxed after its share (600-188 and 999-312 at 10 %);
		// its total is its subtotal plus that tax, the share coming off the
		// session's discount total.
		s.Lines[0].Tax, s.Lines[0].Total = 41, 641
		s.Lines[1].Tax, s.Lines[1].Total = 69, 1068
		s.Totals = model.Totals{ItemsBaseAmount: 1599, Discount: 500, Subtotal: 1599, Fulfillment: 100, Tax: 110, Total: 1309}
		s.TaxBreakdown = []model.TaxShare{{Jurisdiction: "US-CA", Rate: 0.1, Amount: 110}}
		return s
	}, wantAllocations: [][]string{{"$.line_items[0]", "$.line_items[1]"}}},
	"codes cleared": {session: func() *model.Session {
		s := baseDiscountSession()
		s.Discounts = &model.Discounts{Negotiated: true}
		return s
	}},
	"automatic, not negotiated": {session: func() *model.Session {
		s := baseDiscountSession()
		s.Discounts = &model.Discounts{Applied: []model.AppliedDiscount{{
			ID: "promo_ebooks", Automatic: true, Name: "Ebooks $2 off", AmountOff: 200, Method: "each", Amount: 200,
			Allocations: []model.DiscountAllocation{{LineID: "li_ebook", Amount: 200}},
		}}}
		s.Lines[1].Discount, s.Lines[1].Subtotal, s.Lines[1].Tax, s.Lines[1].Total = 200, 799, 80, 879
		s.Totals = model.Totals{ItemsBaseAmount: 1599, ItemsDiscount: 200, Subtotal: 1399, Fulfillment: 100, Tax: 140, Total: 1639}
		s.TaxBreakdown = []model.TaxShare{{Jurisdiction: "US-CA", Rate: 0.1, Amount: 140}}
		return s
	}},
	"both levels": {session: func() *model.Session {
		s := baseDiscountSession()
		s.Discounts = &model.Discounts{Negotiated: true, Codes: []string{"EBOOK2", "FREESHIP"}, Applied: []model.AppliedDiscount{
			{ID: "promo_ebooks", Code: "EBOOK2", Name: "Ebooks $2 off", AmountOff: 200, Method: "each", Priority: 1, Amount: 200,
				Allocations: []model.DiscountAllocation{{LineID: "li_ebook", Amount: 200}}},
			{ID: "promo_freeship", Code: "FREESHIP", Name: "Free shipping", Priority: 2, Amount: 100,
				Allocations: []model.DiscountAllocation{{OptionID: "fulfillment_option_123", Amount: 60}, {OptionID: "fulfillment_option_123", Amount: 40}}},
		}}
		s.Lines[1].Discount, s.Lines[1].Subtotal, s.Lines[1].Tax, s.Lines[1].Total = 200, 799, 80, 879
		s.Totals = model.Totals{ItemsBaseAmount: 1599, ItemsDiscount: 200, Discount: 100, FulfillmentDiscount: 100, Subtotal: 1399, Fulfillment: 100, Tax: 140, Total: 1539}
		s.TaxBreakdown = []model.TaxShare{{Jurisdiction: "US-CA", Rate: 0.1, Amount: 140}}
		return s
	}, wantAllocations: [][]string{{"$.line_items[1]"}, {"$.totals.fulfillment"}}},
}

func init() {
	// A completed session keeps its discounts, and its order shows them.
	discountCases["completed with both levels"] = discountCase{session: func() *model.Session {
		s := discountCases["both levels"].session()
		s.Status = model.StatusCompleted
		o := baseOrder()
		o.CheckoutSessionID, o.Totals, o.Total, o.Discounts = s.ID, s.Totals, s.Totals.Total, s.Discounts.Applied
		s.Order = o
		return s
	}, wantAllocations: discountCases["both levels"].wantAllocations}
}

// wireTotals are totals by type, summed when a type repeats.
func wireTotals(totals []totalJSON) map[string]int64 {
	out := map[string]int64{}
	for _, t := range totals {
		out[t.Type] += t.Amount
	}
	return out
}

// checkTotalsAddUp checks the session totals and every found line's
// totals add up to the cent, as model.Totals says.
func checkTotalsAddUp(t *testing.T, s *model.Session, totals []totalJSON, lines map[string][]totalJSON) {
	t.Helper()
	got := wireTotals(totals)
	if got["items_base_amount"]-got["items_discount"] != got["subtotal"] ||
		got["subtotal"]-got["discount"]+got["fulfillment"]+got["tax"] != got["total"] {
		t.Errorf("session totals do not add up: %v", got)
	}
	if got["items_discount"] != s.Totals.ItemsDiscount || got["discount"] != s.Totals.Discount || got["total"] != s.Totals.Total {
		t.Errorf("session totals %v, model %+v", got, s.Totals)
	}
	for _, l := range s.Lines {
		lt, ok := lines[l.ID]
		if !ok {
			continue
		}
		g := wireTotals(lt)
		if g["items_base_amount"]-g["items_discount"] != g["subtotal"] || g["subtotal"]+g["tax"] != g["total"] {
			t.Errorf("line %s totals do not add up: %v", l.ID, g)
		}
		if _, ok := g["discount"]; ok {
			t.Errorf("line %s has an order-level discount total %v: the share comes off the session's discount", l.ID, g)
		}
		if g["subtotal"] != l.Subtotal || g["tax"] != l.Tax || g["total"] != l.Total {
			t.Errorf("line %s totals %v, model subtotal %d tax %d total %d", l.ID, g, l.Subtotal, l.Tax, l.Total)
		}
	}
}

func TestEncodeDiscounts2026(t *testing.T) {
	t.Parallel()
	for name, tc := range discountCases {
		for _, version := range []string{V20260417, V20260130} {
			t.Run(name+"/"+version, func(t *testing.T) {
				t.Parallel()
				s := tc.session()
				c, _ := New(version, testSeller, DefaultLimits)
				data, err := c.EncodeSession(s)
				if err != nil {
					t.Fatal(err)
				}
				validateSession(t, version, data)
				var got struct {
					Capabilities struct {
						Extensions []extensionJSON `json:"extensions"`
					} `json:"capabilities"`
					LineItems []lineItemJSON `json:"line_items"`
					Discounts *discountsJSON `json:"discounts"`
					Totals    []totalJSON    `json:"totals"`
					Messages  []messageJSON  `json:"messages"`
				}
				if err := json.Unmarshal(data, &got); err != nil {
					t.Fatal(err)
				}
				lines := map[string][]totalJSON{}
				for _, l := range got.LineItems {
					lines[l.ID] = l.Totals
				}
				checkTotalsAddUp(t, s, got.Totals, lines)
				if !s.Discounts.Negotiated {
					if got.Discounts != nil || got.Capabilities.Extensions != nil || strings.Contains(string(data), `"extensions"`) {
						t.Errorf("not negotiated, yet discounts %+v extensions %+v", got.Discounts, got.Capabilities.Extensions)
					}
					return
				}
				if len(got.Capabilities.Extensions) != 1 || got.Capabilities.Extensions[0].Name != "discount" ||
					!slices.Equal(got.Capabilities.Extensions[0].Extends, discountExtends) {
					t.Errorf("extensions = %+v", got.Capabilities.Extensions)
				}
				d := got.Discounts
				if d == nil || !slices.Equal(d.Codes, s.Discounts.Codes) || d.Codes == nil || len(d.Applied) != len(s.Discounts.Applied) || len(d.Rejected) != len(s.Discounts.Rejected) {
					t.Fatalf("discounts = %+v, want those of %+v", d, s.Discounts)
				}
				for i, a := range d.Applied {
					m := s.Discounts.Applied[i]
					var sum int64
					var paths []string
					for _, al := range a.Allocations {
						sum += al.Amount
						paths = append(paths, al.Path)
					}
					if sum != a.Amount || a.Amount != m.Amount || !slices.Equal(paths, tc.wantAllocations[i]) {
						t.Errorf("applied[%d] amount %d, allocations %v summing to %d; want %d at %v", i, a.Amount, paths, sum, m.Amount, tc.wantAllocations[i])
					}
					if a.ID != m.ID || a.Code != m.Code || a.Automatic != m.Automatic || a.Coupon.Name != m.Name || a.Method != m.Method || a.Priority != m.Priority {
						t.Errorf("applied[%d] = %+v, model %+v", i, a, m)
					}
					switch {
					case m.PercentOff > 0 && (a.Coupon.PercentOff == nil || *a.Coupon.PercentOff != m.PercentOff || a.Coupon.AmountOff != nil):
						t.Errorf("applied[%d] coupon %+v, want percent_off %v", i, a.Coupon, m.PercentOff)
					case m.AmountOff > 0 && (a.Coupon.AmountOff == nil || *a.Coupon.AmountOff != m.AmountOff || a.Coupon.Currency != "usd"):
						t.Errorf("applied[%d] coupon %+v, want amount_off %d usd", i, a.Coupon, m.AmountOff)
					}
					if m.Start != nil && a.Start != rfc3339(*m.Start) {
						t.Errorf("applied[%d] start %q", i, a.Start)
					}
				}
				for i, r := range d.Rejected {
					want := fmt.Sprintf("$.discounts.codes[%d]", slices.Index(s.Discounts.Codes, r.Code))
					if !slices.ContainsFunc(got.Messages, func(m messageJSON) bool {
						return m.Type == "warning" && m.Code == r.Reason && m.Param == want
					}) {
						t.Errorf("rejected[%d] %+v has no warning at %s: %+v", i, r, want, got.Messages)
					}
				}
			})
		}
	}
}

// TestEncodeDiscountsLegacy: versions before 2026-01-30 show discounts
// only in their totals and line fields, never a code member.
func TestEncodeDiscountsLegacy(t *testing.T) {
	t.Parallel()
	for name, tc := range discountCases {
		if len(tc.session().Discounts.Rejected) > 0 {
			continue // no codes, so no rejections, in these versions
		}
		for _, version := range legacyVersions {
			t.Run(name+"/"+version, func(t *testing.T) {
				t.Parallel()
				s := tc.session()
				data, err := legacyCodec(t, version).EncodeSession(s)
				if err != nil {
					t.Fatal(err)
				}
				validateSession(t, version, data)
				var got struct {
					LineItems []legacyLineItemJSON `json:"line_items"`
					Totals    []totalJSON          `json:"totals"`
				}
				if err := json.Unmarshal(data, &got); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(data), `"discounts"`) || strings.Contains(string(data), `"extensions"`) || strings.Contains(string(data), `"coupon"`) {
					t.Errorf("a discount member in %s: %s", version, data)
				}
				checkTotalsAddUp(t, s, got.Totals, nil)
				for i, l := range got.LineItems {
					if l.Discount != s.Lines[i].Discount || l.BaseAmount-l.Discount != l.Subtotal && s.Lines[i].Found {
						t.Errorf("line %d base %d discount %d subtotal %d", i, l.BaseAmount, l.Discount, l.Subtotal)
					}
				}
			})
		}
	}
}

// TestDiscountTotalsText: the discount totals name the discounts when all
// are of that level, as the spec's examples do.
func TestDiscountTotalsText(t *testing.T) {
	t.Parallel()
	applied := []model.AppliedDiscount{{Code: "SAVE10"}, {Automatic: true, Name: "Free shipping"}}
	items, order := discountTotals(model.Totals{Discount: 1100}, applied)
	if items != nil || order == nil || order.DisplayText != "Order discount (SAVE10, Free shipping)" || order.Amount != 1100 {
		t.Errorf("order-level only: %+v %+v", items, order)
	}
	items, order = discountTotals(model.Totals{ItemsDiscount: 100, Discount: 1000}, applied)
	if items.DisplayText != "Item discounts" || order.DisplayText != "Order discount" {
		t.Errorf("both levels: %+v %+v", items, order)
	}
	if items, order = discountTotals(model.Totals{}, nil); items != nil || order != nil {
		t.Errorf("no discount: %+v %+v", items, order)
	}
}

// TestEncodeOrderDiscounts: an order placed with discounts shows them in
// the totals of the versions whose Order has totals, and every version's
// order (session and webhook) stays valid.
func TestEncodeOrderDiscounts(t *testing.T) {
	t.Parallel()
	o := baseOrder()
	o.Totals = model.Totals{ItemsBaseAmount: 3999, ItemsDiscount: 400, Discount: 500, FulfillmentDiscount: 500, Subtotal: 3599, Fulfillment: 500, Tax: 30, Total: 3629}
	o.Total = 3629
	o.Discounts = []model.AppliedDiscount{
		{ID: "promo_mugs", Code: "MUGS10", Name: "10% off mugs", PercentOff: 10, Amount: 400, Allocations: []model.DiscountAllocation{{LineID: "li_mug", Amount: 400}}},
		{ID: "promo_freeship", Automatic: true, Name: "Free shipping", Amount: 500, Allocations: []model.DiscountAllocation{{OptionID: "ship", Amount: 500}}},
	}
	for _, version := range allVersions {
		body, err := EncodeOrderEvent(version, model.EventOrderCreate, o)
		if err != nil {
			t.Fatal(err)
		}
		acpschema.Webhook(t, version).Event(t, body)
		if version != V20260417 {
			continue
		}
		var got struct {
			Data struct {
				Totals []totalJSON `json:"totals"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		g := wireTotals(got.Data.Totals)
		if g["items_discount"] != 400 || g["discount"] != 500 || g["subtotal"]-g["discount"]+g["fulfillment"]+g["tax"] != g["total"] || g["total"] != 3629 {
			t.Errorf("order totals = %v", g)
		}
	}
}
