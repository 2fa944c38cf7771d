package ucpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/core/ucpapi"
	"github.com/acp-sidecar/acp/internal/ucpschema"
)

// TestGetOrder: the calling agent reads its orders, those it placed over
// UCP and over ACP alike, as UCP's order entity; another agent's order
// and an unknown id are the same not_found business outcome.
func TestGetOrder(t *testing.T) {
	t.Parallel()
	st, err := badgerstore.Open(badgerstore.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	order := func(id, agent, apiVersion string, ucpContext *model.UCPContext) *model.Order {
		return &model.Order{ID: id, CheckoutSessionID: "cs_" + id, PermalinkURL: "https://shop.test/orders/" + id, Status: model.OrderCreated,
			Currency: "usd", Total: 1200, Totals: model.Totals{ItemsBaseAmount: 1000, Subtotal: 1000, Fulfillment: 200, Total: 1200},
			Lines:     []model.OrderLine{{ID: "li_1", ItemID: "mug", Title: "Mug", Ordered: 1, Current: 1, UnitPrice: 1000, Subtotal: 1000}},
			PaymentID: "pi_" + id, Agent: agent, APIVersion: apiVersion, CreatedAt: at, UCP: ucpContext}
	}
	viaUCP := order("ord_ucp", "gemini", "ucp/2026-04-08", &model.UCPContext{Profile: "https://platform.test/profile"})
	viaACP := order("ord_acp", "gemini", "2026-04-17", nil)
	viaACP.Lines[0].ItemID = ""
	others := order("ord_other", "openai", "ucp/2026-04-08", &model.UCPContext{Profile: "https://other.test/profile"})
	err = st.Update(context.Background(), func(tx store.Tx) error {
		for _, o := range []*model.Order{viaUCP, viaACP, others} {
			if err := tx.PutOrder(o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	get := ucpapi.GetOrder(st)
	platform := &ucp.Platform{Agent: "gemini", Profile: "https://platform.test/profile", Version: "2026-04-08",
		Capabilities: map[string]string{ucp.CapCheckout: "2026-04-08", ucp.CapOrder: "2026-04-08"}}
	type answer struct {
		UCP struct {
			Version      string                         `json:"version"`
			Status       string                         `json:"status"`
			Capabilities map[string][]map[string]string `json:"capabilities"`
		} `json:"ucp"`
		ID        string `json:"id"`
		LineItems []struct {
			Item struct {
				ID string `json:"id"`
			} `json:"item"`
		} `json:"line_items"`
		Messages []map[string]string `json:"messages"`
	}
	notFound := []map[string]string{{"type": "error", "code": "not_found", "severity": "unrecoverable", "content": "Order not found."}}
	tests := map[string]struct {
		id         string
		platform   *ucp.Platform
		wantID     string
		wantItemID string
	}{
		"its order placed over UCP":           {id: "ord_ucp", platform: platform, wantID: "ord_ucp", wantItemID: "mug"},
		"its order placed over ACP":           {id: "ord_acp", platform: platform, wantID: "ord_acp", wantItemID: "li_1"},
		"another agent's order":               {id: "ord_other", platform: platform},
		"an unknown order":                    {id: "ord_none", platform: platform},
		"no id":                               {id: "", platform: platform},
		"a call without a platform (refused)": {id: "ord_ucp"},
	}
	var notFoundBodies []string
	for name, tc := range tests {
		status, body, err := get(context.Background(), &ucp.Call{Platform: tc.platform, ID: tc.id, RequestID: "req_1"})
		if err != nil || status != http.StatusOK {
			t.Errorf("%s: %d, %v; want 200", name, status, err)
			continue
		}
		checkOrderResponse(t, body)
		var got answer
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.UCP.Version != "2026-04-08" || len(got.UCP.Capabilities[ucp.CapOrder]) != 1 || got.UCP.Capabilities[ucp.CapOrder][0]["version"] != "2026-04-08" {
			t.Errorf("%s: ucp = %+v; want release 2026-04-08 with the order capability", name, got.UCP)
		}
		if tc.wantID == "" {
			if got.UCP.Status != "error" || got.ID != "" || !cmp.Equal(got.Messages, notFound) {
				t.Errorf("%s: %s; want the not_found outcome", name, body)
			}
			notFoundBodies = append(notFoundBodies, string(body))
			continue
		}
		if got.UCP.Status != "" || got.ID != tc.wantID || len(got.Messages) != 0 || len(got.LineItems) != 1 || got.LineItems[0].Item.ID != tc.wantItemID {
			t.Errorf("%s: %s; want order %s with item %s", name, body, tc.wantID, tc.wantItemID)
		}
	}
	for _, b := range notFoundBodies[1:] {
		if b != notFoundBodies[0] {
			t.Errorf("not_found answers differ: %s and %s; another agent's order must look like none", notFoundBodies[0], b)
		}
	}
}

// TestGetOrderStoreFailure: a store that fails is an error (the
// transport's 500), never an order or not_found.
func TestGetOrderStoreFailure(t *testing.T) {
	t.Parallel()
	st, err := badgerstore.Open(badgerstore.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	status, body, err := ucpapi.GetOrder(st)(context.Background(), &ucp.Call{Platform: &ucp.Platform{Agent: "gemini"}, ID: "ord_1"})
	if err == nil {
		t.Errorf("GetOrder on a closed store = %d %s; want an error", status, body)
	}
}

// checkOrderResponse validates a Get Order answer (HTTP 200) against
// the schema of its response in rest.openapi.json (an order or an error
// response) and of its MCP tool result.
func checkOrderResponse(t *testing.T, body []byte) {
	t.Helper()
	ucpschema.Operation(t, ucp.OpGetOrder, http.StatusOK, body)
	ucpschema.ToolResult(t, ucp.OpGetOrder, body)
}
