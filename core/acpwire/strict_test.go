package acpwire

import (
	"errors"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/core/apierr"
)

// strictInput has the shapes the merchant API decodes: scalars, a nested
// list of objects and a nested object.
type strictInput struct {
	Amount int64  `json:"amount"`
	Reason string `json:"reason,omitempty"`
	Lines  []struct {
		ID       string `json:"id"`
		Quantity int64  `json:"quantity"`
	} `json:"line_items,omitempty"`
	Digital *struct {
		AccessURL string `json:"access_url"`
	} `json:"digital_delivery,omitempty"`
}

func TestDecodeStrict(t *testing.T) {
	t.Parallel()
	cases := []struct {
		body, code, param string
	}{
		{`{"amount": 100, "reason": "damaged"}`, "", ""},
		{``, apierr.CodeInvalidJSON, "$"},
		{`{"amount": 1`, apierr.CodeInvalidJSON, "$"},
		{`{"amount": 1} {}`, apierr.CodeInvalidJSON, "$"},
		{`{"amonut": 1}`, apierr.CodeInvalid, "$.amonut"},
		{`{"amount": 1, "line_items": [{"id": "a", "quantity": 1}, {"id": "b", "qty": 2}]}`, apierr.CodeInvalid, "$.line_items[1].qty"},
		{`{"amount": 1, "digital_delivery": {"access_url": "x", "key": "k"}}`, apierr.CodeInvalid, "$.digital_delivery.key"},
		{`{"amount": "1.00"}`, apierr.CodeInvalidType, "$.amount"},
		{`{"amount": 1.5}`, apierr.CodeInvalidType, "$.amount"},
		{`{"amount": 1, "line_items": [{"id": "li_1", "quantity": "2"}]}`, apierr.CodeInvalidType, "$.line_items[0].quantity"},
		{`[]`, apierr.CodeInvalidType, "$"},
	}
	for _, tc := range cases {
		var in strictInput
		err := DecodeStrict([]byte(tc.body), &in)
		if tc.code == "" {
			if err != nil || in.Amount != 100 || in.Reason != "damaged" {
				t.Errorf("DecodeStrict(%q) = %+v, %v", tc.body, in, err)
			}
			continue
		}
		var ae *apierr.Error
		if !errors.As(err, &ae) || ae.Code != tc.code || ae.Param != tc.param || ae.Status != 400 {
			t.Errorf("DecodeStrict(%q) = %v, want %s at %q", tc.body, err, tc.code, tc.param)
		}
	}
}

// FuzzDecodeStrict: any body decodes or is refused with a flat 400 whose
// param is a JSONPath; nothing panics.
func FuzzDecodeStrict(f *testing.F) {
	for _, seed := range []string{`{"amount":1}`, `{"line_items":[{"id":"a","quantity":1}]}`, `{"x":1}`, `{`, `null`, `{"amount":"1"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in strictInput
		err := DecodeStrict(body, &in)
		if err == nil {
			return
		}
		var ae *apierr.Error
		if !errors.As(err, &ae) || ae.Status != 400 || ae.Message == "" || !strings.HasPrefix(ae.Param, "$") {
			t.Fatalf("DecodeStrict(%q) = %#v", body, err)
		}
	})
}
