package ucpcatalog

import (
	"context"
	"fmt"
	"testing"

	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// benchCatalog is n products of three variants each, with titles,
// descriptions, options and categories drawn from small vocabularies.
func benchCatalog(n int) []catalog.Product {
	nouns := []string{"shoe", "mug", "shirt", "tumbler", "grinder", "kettle", "jacket", "lamp", "chair", "book", "bag", "scarf"}
	adjectives := []string{"blue", "classic", "travel", "leather", "organic", "compact", "deluxe", "vintage", "smart", "wooden"}
	colors := []string{"Black", "Red", "Sage", "Navy", "Sand"}
	out := make([]catalog.Product, n)
	for i := range out {
		noun, adj := nouns[i%len(nouns)], adjectives[(i/len(nouns))%len(adjectives)]
		p := catalog.Product{
			ID: fmt.Sprintf("p%05d", i), Title: fmt.Sprintf("%s %s %d", adj, noun, i),
			Description: catalog.Description{Plain: fmt.Sprintf("A %s %s made to last, from our %s collection.", adj, noun, adjectives[i%len(adjectives)])},
		}
		for j := range 3 {
			v := item(fmt.Sprintf("p%05d-%d", i, j), int64(500+(i*7+j*300)%20000), "Home > "+noun)
			v.Options = []catalog.VariantOption{option("Color", colors[(i+j)%len(colors)])}
			p.Variants = append(p.Variants, v)
		}
		out[i] = catalog.CompleteProduct(p, catalog.ProductDefaults{})
	}
	return out
}

// BenchmarkSearch measures search_catalog over 10,000 products (30,000
// variants): a two-word query, a query with filters, and a browse by
// category, each the first page of 10.
func BenchmarkSearch(b *testing.B) {
	f := newFixture(b, benchCatalog(10000)...)
	f.index.opts.PageSize = 500
	if err := f.index.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	for name, body := range map[string]string{
		"query":           `{"query":"blue travel shoe"}`,
		"query+filters":   `{"query":"leather bag","filters":{"price":{"min":1000,"max":9000},"available":true}}`,
		"browse+category": `{"filters":{"categories":["Home > mug"]},"pagination":{"limit":10}}`,
	} {
		b.Run(name, func(b *testing.B) {
			call := &ucp.Call{Body: []byte(body)}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := f.index.Search(context.Background(), call); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRefresh measures a refresh of a 10,000-product index in which
// one product changed.
func BenchmarkRefresh(b *testing.B) {
	f := newFixture(b, benchCatalog(10000)...)
	f.index.opts.PageSize = 500
	ctx := context.Background()
	if err := f.index.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		f.listing.Edit("p00042", func(p *catalog.Product) { p.Title = fmt.Sprint("changed ", i) })
		if err := f.index.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
