// Command testplugin is a plugin for the plugin manager's tests. Its
// config block chooses how it misbehaves, and its catalog reports what it
// sees of its environment:
//
//   - item "env:NAME" is found, titled with $NAME, when NAME is set;
//   - item "hang" blocks, ignoring its deadline;
//   - item "crash" exits the process mid-call;
//   - item "fail" fails with a retryable downstream error;
//   - item "refuse" fails with a non-retryable downstream error (the
//     backend answered no);
//   - item "pid" is titled with the process id.
//
// With the argument "wrong-protocol" it speaks protocol version 99; with
// "slow-start" it waits half a second before serving; with "fail-start" it
// complains on stderr and exits before the handshake. With the argument
// "discounts" it also serves catalog.discounts (testDiscounts); with
// "listing", catalog.listing (testListing).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

const schema = `{
  "type": "object",
  "properties": {"price": {"type": "integer", "minimum": 0}, "unhealthy": {"type": "boolean"}},
  "additionalProperties": false
}`

type config struct {
	Price     int64 `json:"price"`
	Unhealthy bool  `json:"unhealthy"`
}

type testCatalog struct{ cfg config }

func (c *testCatalog) ResolveItems(_ context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	resp := &catalog.ResolveItemsResponse{}
	for _, ref := range req.Items {
		item := catalog.Item{ID: ref.ID, Found: true, Title: ref.ID, UnitPrice: c.cfg.Price, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentDigital}}
		switch name, isEnv := strings.CutPrefix(ref.ID, "env:"); {
		case isEnv:
			item.Title, item.Found = os.LookupEnv(name)
		case ref.ID == "hang":
			select {}
		case ref.ID == "crash":
			os.Exit(3)
		case ref.ID == "fail":
			return nil, acp.Retryable(acp.Downstream(errors.New("backend down")))
		case ref.ID == "refuse":
			return nil, acp.Downstream(errors.New("backend refused"))
		case ref.ID == "pid":
			item.Title = strconv.Itoa(os.Getpid())
		}
		resp.Items = append(resp.Items, item)
	}
	return resp, nil
}

// testDiscounts gives 100 off the first line for code TAKE100 and
// rejects every other code.
type testDiscounts struct{}

func (testDiscounts) Evaluate(_ context.Context, req *catalog.DiscountRequest) (*catalog.DiscountResponse, error) {
	resp := &catalog.DiscountResponse{}
	for _, code := range req.Codes {
		var amount int64
		switch {
		case len(req.Lines) == 0:
		case code == "TAKE100":
			amount = min(100, req.Lines[0].Subtotal)
		}
		if amount == 0 {
			resp.Rejected = append(resp.Rejected, catalog.RejectedCode{Code: code, Reason: acp.CodeDiscountCodeInvalid, Message: "Unknown code."})
			continue
		}
		resp.Applied = append(resp.Applied, catalog.AppliedDiscount{ID: strings.ToLower(code), Code: code, AmountOff: amount, Amount: amount,
			Allocations: []catalog.Allocation{{LineID: req.Lines[0].ID, Amount: amount}}})
	}
	return resp, nil
}

// testListing lists one product, the catalog's "mug", as the catalog
// resolves it, at the change token "1".
type testListing struct{ c *testCatalog }

func (l testListing) ListProducts(ctx context.Context, req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
	const token = "1"
	if req.Since == token && req.PageToken == "" {
		return &catalog.ListProductsResponse{Changes: true, ChangeToken: token}, nil
	}
	resolved, err := l.c.ResolveItems(ctx, &catalog.ResolveItemsRequest{Currency: req.Currency, Items: []catalog.ItemRef{{ID: "mug", Quantity: 1}}})
	if err != nil {
		return nil, err
	}
	mug := catalog.ItemProduct(catalog.Variant{Item: resolved.Items[0]})
	return &catalog.ListProductsResponse{Products: []catalog.Product{mug}, ChangeToken: token}, nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "fail-start" {
		fmt.Fprintln(os.Stderr, "testplugin: cannot open products.csv: no such file")
		os.Exit(1)
	}
	if len(os.Args) > 1 && os.Args[1] == "slow-start" {
		time.Sleep(500 * time.Millisecond)
	}
	if len(os.Args) > 1 && os.Args[1] == "wrong-protocol" {
		handshake := acpplugin.Handshake
		handshake.ProtocolVersion = 99
		plugin.Serve(&plugin.ServeConfig{HandshakeConfig: handshake, GRPCServer: plugin.DefaultGRPCServer, Plugins: plugin.PluginSet{}})
		return
	}
	c := &testCatalog{}
	var discounts catalog.Discounts
	if len(os.Args) > 1 && os.Args[1] == "discounts" {
		discounts = testDiscounts{}
	}
	var listing catalog.Listing
	if len(os.Args) > 1 && os.Args[1] == "listing" {
		listing = testListing{c}
	}
	acpplugin.Serve(acpplugin.ServeOpts{
		Name:         "testplugin",
		Version:      "1.0.0",
		ConfigSchema: schema,
		Configure: func(_ context.Context, raw []byte) error {
			if err := acpplugin.DecodeConfig(raw, &c.cfg); err != nil {
				return err
			}
			acpplugin.Logger().Warn("configured", "price", c.cfg.Price)
			return nil
		},
		CheckHealth: func(context.Context) error {
			if c.cfg.Unhealthy {
				return errors.New("backend unreachable")
			}
			return nil
		},
		Catalog:   c,
		Discounts: discounts,
		Listing:   listing,
	})
}
