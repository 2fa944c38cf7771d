package ucpcatalog

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/acp-sidecar/acp/internal/ucpschema"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// unreproducible are the members of the examples of catalog/rest.md the
// index cannot produce from a catalog listing (a SKU apart from the
// variant id, handles, ratings, tags, metadata, sellers, the pages of a
// catalog larger than the example's) or compares apart (options).
var unreproducible = map[string]bool{"sku": true, "handle": true, "rating": true, "metadata": true, "tags": true, "seller": true, "pagination": true, "options": true}

// exampleCatalog turns the products of an example response into the
// catalog they come from: the variants' ids, titles, descriptions,
// prices and options, the products' texts, media and merchant
// categories; a variant shown unavailable has no stock. A product the
// example shows without variants gets one at its lowest price.
func exampleCatalog(t *testing.T, products []any, stock map[string]int64) []catalog.Product {
	t.Helper()
	var out []catalog.Product
	for _, raw := range products {
		p := raw.(map[string]any)
		cp := catalog.Product{ID: p["id"].(string), Title: p["title"].(string), URL: str(p["url"])}
		if d, ok := p["description"].(map[string]any); ok {
			cp.Description.Plain = str(d["plain"])
		}
		for _, m := range list(p["media"]) {
			mm := m.(map[string]any)
			cp.Media = append(cp.Media, catalog.Media{Type: str(mm["type"]), URL: str(mm["url"]), AltText: str(mm["alt_text"])})
		}
		var cats []string
		for _, c := range list(p["categories"]) {
			if cm := c.(map[string]any); cm["taxonomy"] == taxonomyMerchant {
				cats = append(cats, cm["value"].(string))
			}
		}
		variants := list(p["variants"])
		if len(variants) == 0 {
			min := p["price_range"].(map[string]any)["min"]
			variants = []any{map[string]any{"id": cp.ID + "_v", "title": cp.Title, "price": min}}
		}
		for _, raw := range variants {
			v := raw.(map[string]any)
			cv := catalog.Variant{Item: catalog.Item{ID: v["id"].(string), Title: str(v["title"]), Categories: cats,
				UnitPrice: int64(v["price"].(map[string]any)["amount"].(float64))}}
			if d, ok := v["description"].(map[string]any); ok {
				cv.Item.Description = str(d["plain"])
			}
			for _, o := range list(v["options"]) {
				om := o.(map[string]any)
				cv.Options = append(cv.Options, option(om["name"].(string), om["label"].(string)))
			}
			if a, ok := v["availability"].(map[string]any); ok && a["available"] == false {
				stock[cv.Item.ID] = 0
			}
			cp.Variants = append(cp.Variants, cv)
		}
		out = append(out, cp)
	}
	return out
}

func str(v any) string { s, _ := v.(string); return s }
func list(v any) []any { l, _ := v.([]any); return l }

// reproduces reports where got differs from want, an example's member,
// on what the index can produce: every member want has (but the
// unreproducible), arrays compared over want's elements (categories
// over its merchant ones).
func reproduces(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %v, want an object", path, got)}
		}
		var out []string
		for _, k := range slices.Sorted(maps.Keys(w)) {
			if !unreproducible[k] {
				out = append(out, reproduces(path+"."+k, w[k], g[k])...)
			}
		}
		return out
	case []any:
		if path[len(path)-len("categories"):] == "categories" {
			w = slices.DeleteFunc(slices.Clone(w), func(c any) bool { return c.(map[string]any)["taxonomy"] != taxonomyMerchant })
		}
		g, _ := got.([]any)
		if len(g) < len(w) {
			return []string{fmt.Sprintf("%s: %d elements, want at least %d", path, len(g), len(w))}
		}
		var out []string
		for i := range w {
			out = append(out, reproduces(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	}
	if !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s = %v, want %v", path, got, want)}
	}
	return nil
}

// TestRESTExamples reproduces the examples of catalog/rest.md: each
// example request, sent to an index of the catalog its response shows,
// answers the response (what a listing can give of it); the product
// detail's catalog also has the variants its availability signals
// describe.
func TestRESTExamples(t *testing.T) {
	t.Parallel()
	examples := ucpschema.DocExamples(t, "catalog/rest.md")
	if examples == nil {
		return // counted by ucpschema: the spec is absent
	}
	byHeading := map[string]map[string][]byte{}
	for _, e := range examples {
		if byHeading[e.Heading] == nil {
			byHeading[e.Heading] = map[string][]byte{}
		}
		byHeading[e.Heading][e.Tab] = e.Body
	}
	tests := []struct {
		heading, op, request string
		extra                []catalog.Variant // more variants of the first product
	}{
		{heading: "Example", op: "search_catalog"},
		{heading: "Example: Batch Lookup with Context", op: "lookup_catalog"},
		{heading: "Example: Partial Success (Some Identifiers Not Found)", op: "lookup_catalog"},
		{heading: "Example: With Option Selection", op: "get_product", extra: []catalog.Variant{
			shoeVariant("prod_abc123_blu_8", "Blue", "8"), shoeVariant("prod_abc123_blu_9", "Blue", "9"),
			shoeVariant("prod_abc123_red_10", "Red", "10"), shoeVariant("prod_abc123_red_11", "Red", "11"),
			shoeVariant("prod_abc123_grn_10", "Green", "10"),
		}},
		{heading: "Product Not Found", op: "get_product", request: `{"id":"prod_invalid"}`},
		{heading: "Example: All Products Not Found", op: "lookup_catalog", request: `{"ids":["prod_invalid1","prod_invalid2"]}`},
	}
	for _, tc := range tests {
		t.Run(tc.heading, func(t *testing.T) {
			t.Parallel()
			blocks := byHeading[tc.heading]
			response, request := blocks["Response"], blocks["Request"]
			if response == nil {
				response = blocks[""]
			}
			if tc.request != "" {
				request = []byte(tc.request)
			}
			if response == nil || request == nil {
				t.Fatalf("catalog/rest.md has no request and response under %q", tc.heading)
			}
			var want map[string]any
			if err := json.Unmarshal(response, &want); err != nil {
				t.Fatal(err)
			}
			products := list(want["products"])
			if p, ok := want["product"]; ok {
				products = []any{p}
			}
			f := newFixture(t)
			f.stock.m = map[string]int64{}
			cat := exampleCatalog(t, products, f.stock.m)
			if len(tc.extra) > 0 {
				cat[0].Variants = append(cat[0].Variants, tc.extra...)
				f.stock.m["prod_abc123_grn_10"] = 0
			}
			for _, p := range cat {
				f.listing.Set(p)
			}
			got := f.ok(t, tc.op, string(request))
			for _, diff := range reproduces("$", want, got) {
				t.Error(diff)
			}
			if tc.op == "get_product" && want["product"] != nil {
				w, g := want["product"].(map[string]any)["options"], got["product"].(map[string]any)["options"]
				if ws, gs := optionSet(w), optionSet(g); !maps.Equal(ws, gs) {
					t.Errorf("options %v, want %v", gs, ws)
				}
			}
		})
	}
}

// shoeVariant is a variant of the example's Runner Pro at 12000.
func shoeVariant(id, color, size string) catalog.Variant {
	v := item(id, 12000)
	v.Item.Title = color + ", Size " + size
	v.Options = []catalog.VariantOption{option("Color", color), option("Size", size)}
	return v
}

// optionSet maps each "option=label" of a detail product's options to
// its signals.
func optionSet(options any) map[string]string {
	out := map[string]string{}
	for _, o := range list(options) {
		om := o.(map[string]any)
		for _, v := range list(om["values"]) {
			vm := v.(map[string]any)
			out[om["name"].(string)+"="+vm["label"].(string)] = fmt.Sprint(vm["available"], vm["exists"])
		}
	}
	return out
}
