package merchantapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/orders"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		body, code, param string
	}{
		{`{"amount": 100, "reason": "damaged"}`, "", ""},
		{``, apierr.CodeInvalidJSON, "$"},
		{`{"amount": 1`, apierr.CodeInvalidJSON, "$"},
		{`{"amount": 1} {}`, apierr.CodeInvalidJSON, "$"},
		{`{"amonut": 1}`, apierr.CodeInvalid, "$.amonut"},
		{`{"amount": "1.00"}`, apierr.CodeInvalidType, "$.amount"},
		{`{"amount": 1.5}`, apierr.CodeInvalidType, "$.amount"},
		{`{"amount": 1, "line_items": [{"id": "li_1", "quantity": "2"}]}`, apierr.CodeInvalidType, "$.line_items.quantity"},
		{`[]`, apierr.CodeInvalidType, "$"},
	}
	for _, tc := range cases {
		var in orders.AdjustmentInput
		err := decode([]byte(tc.body), &in)
		if tc.code == "" {
			if err != nil || in.Amount != 100 || in.Reason != "damaged" {
				t.Errorf("decode(%q) = %+v, %v", tc.body, in, err)
			}
			continue
		}
		var ae *apierr.Error
		if !errors.As(err, &ae) || ae.Code != tc.code || ae.Param != tc.param || ae.Status != 400 {
			t.Errorf("decode(%q) = %v, want %s at %q", tc.body, err, tc.code, tc.param)
		}
	}
}

// FuzzDecode: any body decodes or is refused with a flat 400 whose param
// is a JSONPath; nothing panics.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{`{"amount":1}`, `{"line_items":[{"id":"a","quantity":1}]}`, `{"x":1}`, `{`, `null`, `{"amount":"1"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in orders.FulfillmentInput
		err := decode(body, &in)
		if err == nil {
			return
		}
		var ae *apierr.Error
		if !errors.As(err, &ae) || ae.Status != 400 || ae.Message == "" || (ae.Param != "" && !strings.HasPrefix(ae.Param, "$")) {
			t.Fatalf("decode(%q) = %#v", body, err)
		}
	})
}
