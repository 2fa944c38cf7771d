package checkout_test

import (
	"context"
	"testing"

	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/ucp"
)

// TestUCPOrderKeepsItemIDs: the order of a checkout made over UCP keeps
// the UCP context and each line's item id (UCP's order names the item as
// the checkout did), as stored; an ACP checkout's order has neither, so
// its record stays in the format the previous release reads.
func TestUCPOrderKeepsItemIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	ucpContext := &model.UCPContext{Profile: "https://platform.test/profile", OrderWebhookURL: "https://platform.test/orders"}
	for name, tc := range map[string]struct {
		ucp        *model.UCPContext
		version    string
		wantItemID string
	}{
		"over UCP": {ucpContext, ucp.APIVersion(ucp.Version), "ebook"},
		"over ACP": {nil, "2026-04-17", ""},
	} {
		sess, err := f.svc.Create(ctx, "agent", tc.version, checkout.CreateInput{Currency: "usd", Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}, UCP: tc.ucp}, nil)
		if err != nil {
			t.Fatalf("%s: Create() = %v", name, err)
		}
		done, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
		if err != nil || done.Order == nil {
			t.Fatalf("%s: Complete() = %+v, %v", name, done, err)
		}
		o, err := store.Read(ctx, f.store, func(r store.Reader) (*model.Order, error) { return r.Order(done.Order.ID) })
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(o.Lines) != 1 || o.Lines[0].ItemID != tc.wantItemID || (o.UCP != nil) != (tc.ucp != nil) || o.APIVersion != tc.version {
			t.Errorf("%s: stored order = %+v (lines %+v); want item id %q, UCP context %v", name, o, o.Lines, tc.wantItemID, tc.ucp != nil)
		}
	}
}
