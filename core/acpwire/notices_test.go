package acpwire

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// TestNoticesOncePerSession drives requests carrying members the server
// does not act on through the codec and the engine, and checks that the
// agent is told of each once per session: an info message with the
// member's JSONPath from the answer of the first request that carried it
// on, exactly once in every later answer however often the member comes
// again, with every answer valid for its version.
func TestNoticesOncePerSession(t *testing.T) {
	t.Parallel()
	for _, version := range []string{V20260417, V20260130} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			svc := wireEngine(t, []catalog.Product{catalog.ItemProduct(catalog.Variant{Item: catalog.Item{
				ID: "ebook", Title: "Ebook", UnitPrice: 999, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentDigital},
			}})})
			c, _ := New(version, testSeller, DefaultLimits)
			ctx := context.Background()
			exempt := `"buyer":{"email":"ada@example.com","tax_exemption":{"certificate_id":"EX-1","certificate_type":"resale"}}`

			in, err := c.DecodeCreate([]byte(`{"currency":"usd","capabilities":{},"line_items":[{"id":"ebook"}],"locale":"fr-FR",` + exempt + `}`))
			if err != nil {
				t.Fatal(err)
			}
			sess, err := svc.Create(ctx, "agent", version, in, nil)
			if err != nil {
				t.Fatal(err)
			}
			wantInfo(t, c, acpschema.AnySession, sess, "$.buyer.tax_exemption", "$.locale")

			// want are the notices each answer shows: those told so far.
			steps := []struct {
				body string
				want []string
			}{
				{`{"buyer":{"email":"ada@example.com","tax_exemption":{"certificate_id":"EX-1","certificate_type":"resale"},"loyalty":{"tier":"gold"}}}`, []string{"$.buyer.tax_exemption", "$.locale", "$.buyer.loyalty"}},
				{`{"buyer":{"email":"ada@example.com","loyalty":{"tier":"gold"}}}`, []string{"$.buyer.tax_exemption", "$.locale", "$.buyer.loyalty"}}, // told once
				{`{` + exempt + `}`, []string{"$.buyer.tax_exemption", "$.locale", "$.buyer.loyalty"}},
				{`{"line_items":[{"id":"ebook","unit_amount":1}]}`, []string{"$.buyer.tax_exemption", "$.locale", "$.buyer.loyalty", "$.line_items[*].unit_amount"}},
			}
			for _, step := range steps {
				in, err := c.DecodeUpdate([]byte(step.body))
				if err != nil {
					t.Fatal(err)
				}
				if sess, err = svc.Update(ctx, "agent", sess.ID, in, nil); err != nil {
					t.Fatal(err)
				}
				wantInfo(t, c, acpschema.AnySession, sess, step.want...)
			}
			stored, err := svc.Get(ctx, "agent", sess.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"$.locale", "$.buyer.tax_exemption", "$.buyer.loyalty", "$.line_items[*].unit_amount"} {
				if !slices.ContainsFunc(stored.Notices, func(n model.Notice) bool { return n.Covers(p) }) {
					t.Errorf("stored session's Notices = %+v, lack %s", stored.Notices, p)
				}
			}

			complete, err := c.DecodeComplete([]byte(`{"payment_data":{"handler_id":"card","purchase_order_number":"PO-7","payment_terms":"net_30",` +
				`"instrument":{"type":"card","credential":{"type":"spt","token":"spt_ok"}}}}`))
			if err != nil {
				t.Fatal(err)
			}
			done, err := svc.Complete(ctx, "agent", sess.ID, complete, nil)
			if err != nil || done.Status != model.StatusCompleted {
				t.Fatalf("Complete() = %v, %v", done, err)
			}
			wantInfo(t, c, acpschema.CompletedSession, done, "$.buyer.tax_exemption", "$.locale", "$.buyer.loyalty", "$.line_items[*].unit_amount",
				"$.payment_data.purchase_order_number")
		})
	}
}

// wantInfo encodes s, validates it, and checks that its info messages are
// exactly those of params, each with content.
func wantInfo(t *testing.T, c Codec, answer acpschema.Answer, s *model.Session, params ...string) {
	t.Helper()
	var body struct {
		Messages []struct {
			Type, Param, Content string
		} `json:"messages"`
	}
	data := encodeChecked(t, c, answer, s)
	if err := json.Unmarshal(data, &body); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range body.Messages {
		if m.Type != "info" {
			continue
		}
		if m.Content == "" {
			t.Errorf("info message %s has no content", m.Param)
		}
		got = append(got, m.Param)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(params))
	if !slices.Equal(got, want) {
		t.Errorf("info messages for %v, want %v\n%s", got, want, data)
	}
}
