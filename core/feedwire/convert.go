package feedwire

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/acp-sidecar/acp/core/internal/canonicaljson"
	"github.com/acp-sidecar/acp/core/internal/listing"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// VariantAvailability is the availability a feed shows for a variant
// whose catalog status is status (catalog.Variant.Status) with units left
// in stock (nil: not counted, never runs out), by the rule every protocol
// shows it with (listing.Availability).
func VariantAvailability(status string, units *int64) Availability {
	available, effective := listing.Availability(status, units)
	return Availability{Available: available, Status: effective}
}

// FromCatalog converts a catalog product to the feed Product: prices are
// the variants' unit prices in minor units of currency (upper-cased), as
// checkout charges them; availability gives each variant's availability
// (VariantAvailability of its stock); a variant's images are its media of
// type image and its categories are the seller's own (TaxonomyMerchant).
// Empty texts, lists and a zero list price are left out.
func FromCatalog(p catalog.Product, currency string, availability func(catalog.Variant) Availability) Product {
	currency = strings.ToUpper(currency)
	out := Product{
		ID:          p.ID,
		Title:       p.Title,
		Description: description(p.Description),
		URL:         p.URL,
		Variants:    make([]Variant, 0, len(p.Variants)),
	}
	for _, m := range p.Media {
		out.Media = append(out.Media, Media{Type: m.Type, URL: m.URL, AltText: m.AltText, Width: m.Width, Height: m.Height})
	}
	for _, v := range p.Variants {
		it := v.Item
		a := availability(v)
		w := Variant{
			ID:           it.ID,
			Title:        it.Title,
			Description:  description(catalog.Description{Plain: it.Description}),
			URL:          v.URL,
			Availability: &a,
			Condition:    slices.Clone(v.Condition),
			Seller:       seller(v.Seller),
			Marketplace:  seller(v.Marketplace),
		}
		if it.UnitPrice >= 0 {
			w.Price = &Price{Amount: it.UnitPrice, Currency: currency}
		}
		if v.ListPrice > 0 {
			w.ListPrice = &Price{Amount: v.ListPrice, Currency: currency}
		}
		for _, b := range v.Barcodes {
			w.Barcodes = append(w.Barcodes, Barcode{Type: b.Type, Value: b.Value})
		}
		for _, c := range it.Categories {
			w.Categories = append(w.Categories, Category{Value: c, Taxonomy: TaxonomyMerchant})
		}
		for _, o := range v.Options {
			w.VariantOptions = append(w.VariantOptions, VariantOption{Name: o.Name, Value: o.Value})
		}
		for _, img := range it.Images {
			w.Media = append(w.Media, Media{Type: "image", URL: img})
		}
		out.Variants = append(out.Variants, w)
	}
	return out
}

// description returns d in feed form, nil when every form is empty.
func description(d catalog.Description) *Description {
	if d == (catalog.Description{}) {
		return nil
	}
	return &Description{Plain: d.Plain, HTML: d.HTML, Markdown: d.Markdown}
}

// seller returns s in feed form, nil when s is.
func seller(s *catalog.Seller) *Seller {
	if s == nil {
		return nil
	}
	out := &Seller{Name: s.Name}
	for _, l := range s.Links {
		out.Links = append(out.Links, Link{Type: l.Type, Title: l.Title, URL: l.URL})
	}
	return out
}

// Encode returns p's canonical JSON (RFC 8785: members sorted, no
// insignificant space) and its Hash: the same product always encodes to
// the same bytes.
func Encode(p Product) (body []byte, hash string, err error) {
	if p.Variants == nil {
		p.Variants = []Variant{}
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, "", fmt.Errorf("encode feed product %s: %w", p.ID, err)
	}
	body, err = canonicaljson.Transform(raw)
	if err != nil {
		return nil, "", fmt.Errorf("encode feed product %s: %w", p.ID, err)
	}
	return body, Hash(body), nil
}

// Hash identifies a body: the hex SHA-256 of its bytes.
func Hash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// Decode reads a product body written by Encode.
func Decode(body []byte) (Product, error) {
	var p Product
	if err := json.Unmarshal(body, &p); err != nil {
		return Product{}, fmt.Errorf("decode feed product: %w", err)
	}
	return p, nil
}

// discontinued is the availability of a variant no longer sold.
var discontinued = Availability{Available: false, Status: catalog.StatusDiscontinued}

// Tombstone returns p as sent once it is no longer sold: every variant
// discontinued and unavailable, the rest as it was. A feed upsert cannot
// delete a product, so a removed one is sent like this.
func Tombstone(p Product) Product {
	p.Variants = slices.Clone(p.Variants)
	for i := range p.Variants {
		a := discontinued
		p.Variants[i].Availability = &a
	}
	return p
}

// KeepGone returns p with the variants of earlier (the product as the
// platform last accepted it) that p no longer has appended, discontinued
// and unavailable: a variant that left the catalog is shown as no longer
// sold rather than dropped from the feed without a word. p is returned
// unchanged when it has every variant of earlier.
func KeepGone(p Product, earlier Product) Product {
	var gone []Variant
	for _, v := range earlier.Variants {
		if !slices.ContainsFunc(p.Variants, func(w Variant) bool { return w.ID == v.ID }) {
			a := discontinued
			v.Availability = &a
			gone = append(gone, v)
		}
	}
	if len(gone) == 0 {
		return p
	}
	p.Variants = append(slices.Clone(p.Variants), gone...)
	return p
}
