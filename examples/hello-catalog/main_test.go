package main

import (
	"context"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acptest"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

func TestResolveItems(t *testing.T) {
	t.Parallel()
	p := acptest.New(t, serveOpts(), acptest.WithConfig(`{"price": 1500}`))
	resp, err := p.Catalog().ResolveItems(context.Background(), &catalog.ResolveItemsRequest{
		Currency: "usd", Items: []catalog.ItemRef{{ID: "hello-mug", Quantity: 2}, {ID: "other", Quantity: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Items) != 2 {
		t.Fatalf("got %d items, want 2", len(resp.Items))
	}
	mug, other := resp.Items[0], resp.Items[1]
	if !mug.Found || mug.ID != "hello-mug" || mug.Title != "Hello mug" || mug.UnitPrice != 1500 ||
		len(mug.FulfillmentTypes) != 1 || mug.FulfillmentTypes[0] != acp.FulfillmentShipping {
		t.Errorf("mug = %+v", mug)
	}
	if other.Found || other.ID != "other" {
		t.Errorf("unknown item = %+v, want Found false", other)
	}
}

func TestConfigure(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		config  string
		wantErr bool
	}{
		"price":          {config: `{"price": 0}`},
		"no price":       {config: `{}`, wantErr: true},
		"decimal price":  {config: `{"price": 15.00}`, wantErr: true}, // money is never a decimal
		"fraction":       {config: `{"price": 15.5}`, wantErr: true},
		"negative price": {config: `{"price": -1}`, wantErr: true},
		"unknown key":    {config: `{"price": 1, "currency": "usd"}`, wantErr: true},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := acptest.Start(t, serveOpts()).Configure(context.Background(), []byte(tc.config))
			if (err != nil) != tc.wantErr {
				t.Errorf("Configure(%s) = %v, want error %v", tc.config, err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), `plugin "hello"`) {
				t.Errorf("error %q does not name the plugin", err)
			}
		})
	}
}

// TestConformance checks every contract the host enforces on a catalog.
func TestConformance(t *testing.T) {
	t.Parallel()
	acptest.RunCatalogConformance(t, serveOpts(), acptest.CatalogSuite{Sold: []string{"hello-mug"}}, acptest.WithConfig(`{"price": 1500}`))
}
