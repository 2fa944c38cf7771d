package feedwire

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

func TestMain(m *testing.M) { os.Exit(acpschema.Main(m)) }

// feedVersion is the ACP release whose feed schema every body must meet.
const feedVersion = "2026-04-17"

func ptr[T any](v T) *T { return &v }

// tee is a catalog product with every member a feed shows.
func tee() catalog.Product {
	seller := &catalog.Seller{Name: "Demo Coffee Co.", Links: []catalog.SellerLink{{Type: "refund_policy", Title: "Refunds", URL: "https://shop.example/refunds"}}}
	return catalog.Product{
		ID:          "tee",
		Title:       "Logo T-shirt",
		Description: catalog.Description{Plain: "A soft tee.", HTML: "<p>A <b>soft</b> tee.</p>"},
		URL:         "https://shop.example/tee",
		Media:       []catalog.Media{{Type: "image", URL: "https://cdn.example/tee.jpg", AltText: "The tee", Width: 800, Height: 600}},
		Variants: []catalog.Variant{
			{
				Item: catalog.Item{ID: "tee-red-m", Found: true, Title: "Logo T-shirt - Red / M", Description: "Red, medium.",
					Images: []string{"https://cdn.example/tee-red.jpg"}, UnitPrice: 2000, Available: ptr[int64](5), Categories: []string{"apparel"}},
				URL:       "https://shop.example/tee?v=red-m",
				ListPrice: 2500,
				Barcodes:  []catalog.Barcode{{Type: "GTIN", Value: "00012345600012"}},
				Options:   []catalog.VariantOption{{Name: "Color", Value: "Red"}, {Name: "Size", Value: "M"}},
				Condition: []string{"new"},
				Seller:    seller,
			},
			{
				Item:        catalog.Item{ID: "tee-blue-m", Found: true, Title: "Logo T-shirt - Blue / M", UnitPrice: 2000, Available: ptr[int64](0)},
				Marketplace: &catalog.Seller{Name: "Market"},
			},
		},
	}
}

// stockOf is the availability of a variant from its item's stock.
func stockOf(v catalog.Variant) Availability { return VariantAvailability(v.Status, v.Item.Available) }

func TestFromCatalog(t *testing.T) {
	t.Parallel()
	const want = `{"description":{"html":"<p>A <b>soft</b> tee.</p>","plain":"A soft tee."},"id":"tee",` +
		`"media":[{"alt_text":"The tee","height":600,"type":"image","url":"https://cdn.example/tee.jpg","width":800}],` +
		`"title":"Logo T-shirt","url":"https://shop.example/tee","variants":[` +
		`{"availability":{"available":true,"status":"in_stock"},"barcodes":[{"type":"GTIN","value":"00012345600012"}],` +
		`"categories":[{"taxonomy":"merchant","value":"apparel"}],"condition":["new"],"description":{"plain":"Red, medium."},` +
		`"id":"tee-red-m","list_price":{"amount":2500,"currency":"USD"},"media":[{"type":"image","url":"https://cdn.example/tee-red.jpg"}],` +
		`"price":{"amount":2000,"currency":"USD"},"seller":{"links":[{"title":"Refunds","type":"refund_policy","url":"https://shop.example/refunds"}],"name":"Demo Coffee Co."},` +
		`"title":"Logo T-shirt - Red / M","url":"https://shop.example/tee?v=red-m","variant_options":[{"name":"Color","value":"Red"},{"name":"Size","value":"M"}]},` +
		`{"availability":{"available":false,"status":"out_of_stock"},"id":"tee-blue-m","marketplace":{"name":"Market"},` +
		`"price":{"amount":2000,"currency":"USD"},"title":"Logo T-shirt - Blue / M"}]}`
	body, hash, err := Encode(FromCatalog(tee(), "usd", stockOf))
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != want {
		t.Errorf("body:\n%s\nwant:\n%s", body, want)
	}
	if hash != Hash([]byte(want)) || len(hash) != 64 {
		t.Errorf("hash = %q, want the SHA-256 of the body", hash)
	}
	acpschema.Feed(t, feedVersion).Def(t, "Product", body)
}

// TestFromCatalogMinimal: a product with nothing optional leaves every
// optional member out (an empty description would break minProperties).
func TestFromCatalogMinimal(t *testing.T) {
	t.Parallel()
	p := catalog.ItemProduct(catalog.Variant{Item: catalog.Item{ID: "ebook", Found: true, Title: "Ebook", UnitPrice: 999}})
	body, _, err := Encode(FromCatalog(p, "EUR", stockOf))
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"id":"ebook","title":"Ebook","variants":[{"availability":{"available":true,"status":"in_stock"},"id":"ebook","price":{"amount":999,"currency":"EUR"},"title":"Ebook"}]}`
	if string(body) != want {
		t.Errorf("body = %s, want %s", body, want)
	}
	acpschema.Feed(t, feedVersion).Def(t, "Product", body)
}

// TestEncodeDeterministic: a product encodes to the same bytes however it
// was built, and a change anywhere changes the hash.
func TestEncodeDeterministic(t *testing.T) {
	t.Parallel()
	a, ha, err := Encode(FromCatalog(tee(), "USD", stockOf))
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := Decode(a)
	if err != nil {
		t.Fatal(err)
	}
	b, hb, err := Encode(decoded)
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) || ha != hb {
		t.Errorf("a decoded product encodes differently:\n%s\n%s", a, b)
	}
	changed := tee()
	changed.Variants[1].Item.UnitPrice++
	if _, hc, _ := Encode(FromCatalog(changed, "USD", stockOf)); hc == ha {
		t.Error("a price change kept the hash")
	}
}

func TestVariantAvailability(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status string
		units  *int64
		want   Availability
	}{
		{"", nil, Availability{true, "in_stock"}},
		{"", ptr[int64](3), Availability{true, "in_stock"}},
		{"", ptr[int64](0), Availability{false, "out_of_stock"}},
		{"discontinued", ptr[int64](3), Availability{false, "discontinued"}},
		{"preorder", ptr[int64](0), Availability{true, "preorder"}},
		{"backorder", ptr[int64](0), Availability{true, "backorder"}},
		{"limited_stock", ptr[int64](2), Availability{true, "limited_stock"}},
		{"limited_stock", ptr[int64](0), Availability{false, "limited_stock"}},
	}
	for _, tc := range tests {
		if got := VariantAvailability(tc.status, tc.units); got != tc.want {
			t.Errorf("VariantAvailability(%q, %v) = %+v, want %+v", tc.status, tc.units, got, tc.want)
		}
	}
}

func TestTombstoneAndKeepGone(t *testing.T) {
	t.Parallel()
	full := FromCatalog(tee(), "USD", stockOf)
	dead := Tombstone(full)
	for _, v := range dead.Variants {
		if *v.Availability != (Availability{false, "discontinued"}) {
			t.Errorf("tombstone variant %s: %+v", v.ID, *v.Availability)
		}
	}
	if *full.Variants[0].Availability != (Availability{true, "in_stock"}) {
		t.Error("Tombstone changed its argument")
	}

	smaller := tee()
	smaller.Variants = smaller.Variants[1:]
	kept := KeepGone(FromCatalog(smaller, "USD", stockOf), full)
	ids := []string{}
	for _, v := range kept.Variants {
		ids = append(ids, v.ID+"="+v.Availability.Status)
	}
	if diff := cmp.Diff([]string{"tee-blue-m=out_of_stock", "tee-red-m=discontinued"}, ids); diff != "" {
		t.Errorf("KeepGone variants (-want +got):\n%s", diff)
	}
	if again := KeepGone(kept, full); len(again.Variants) != 2 {
		t.Errorf("KeepGone on a product with every earlier variant gave %d variants", len(again.Variants))
	}
	v := acpschema.Feed(t, feedVersion)
	for _, p := range []Product{dead, kept} {
		body, _, err := Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		v.Def(t, "Product", body)
	}
}

// TestBodies: the request bodies built from these types meet the schema.
func TestBodies(t *testing.T) {
	t.Parallel()
	product, _, err := Encode(FromCatalog(tee(), "USD", stockOf))
	if err != nil {
		t.Fatal(err)
	}
	v := acpschema.Feed(t, feedVersion)
	for def, body := range map[string]any{
		"CreateFeedRequest":     CreateFeedRequest{TargetCountry: "US"},
		"UpsertProductsRequest": UpsertProductsRequest{Products: []json.RawMessage{product}},
		"FeedMetadata":          FeedMetadata{ID: "feed_1", TargetCountry: "US", UpdatedAt: "2026-04-17T10:00:00Z"},
		"Error":                 Error{Type: "invalid_request", Code: CodeFeedNotFound, Message: "Feed not found", Param: "id"},
	} {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "null") {
			t.Errorf("%s has a null: %s", def, data)
		}
		v.Def(t, def, data)
	}
}
