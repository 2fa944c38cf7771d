package feedwire

import "encoding/json"

// Product is a feed product (components/schemas/Product): one thing a
// shopper buys, in one or more variants. Empty optional members are
// omitted.
type Product struct {
	// ID is the seller's product id, stable over time.
	ID string `json:"id"`
	// Title is the product's name.
	Title string `json:"title,omitempty"`
	// Description is the product's longer text; nil when it has none.
	Description *Description `json:"description,omitempty"`
	// URL is the product's page.
	URL string `json:"url,omitempty"`
	// Media are the product's images and other assets.
	Media []Media `json:"media,omitempty"`
	// Variants are the purchasable variants; never nil.
	Variants []Variant `json:"variants"`
}

// Variant is one purchasable variant (components/schemas/Variant): its
// id is the checkout item id.
type Variant struct {
	// ID is the checkout item id.
	ID string `json:"id"`
	// Title is the variant's name.
	Title string `json:"title"`
	// Description is the variant's longer text; nil when it has none.
	Description *Description `json:"description,omitempty"`
	// URL is the variant's own page.
	URL string `json:"url,omitempty"`
	// Barcodes are the variant's GTIN, UPC or other codes.
	Barcodes []Barcode `json:"barcodes,omitempty"`
	// Price is the price checkout charges for one unit.
	Price *Price `json:"price,omitempty"`
	// ListPrice is the "compare at" price.
	ListPrice *Price `json:"list_price,omitempty"`
	// Availability says whether the variant can be bought now.
	Availability *Availability `json:"availability,omitempty"`
	// Categories are the variant's categories.
	Categories []Category `json:"categories,omitempty"`
	// Condition lists the variant's conditions, such as new.
	Condition []string `json:"condition,omitempty"`
	// VariantOptions say what sets the variant apart.
	VariantOptions []VariantOption `json:"variant_options,omitempty"`
	// Media are the variant's own images.
	Media []Media `json:"media,omitempty"`
	// Seller is who sells the variant.
	Seller *Seller `json:"seller,omitempty"`
	// Marketplace is where it is sold, when that is a marketplace.
	Marketplace *Seller `json:"marketplace,omitempty"`
}

// Description is a text in plain, HTML or Markdown form; at least one is
// set (the schema's minProperties 1).
type Description struct {
	// Plain is plain text.
	Plain string `json:"plain,omitempty"`
	// HTML is the text as HTML.
	HTML string `json:"html,omitempty"`
	// Markdown is the text as Markdown.
	Markdown string `json:"markdown,omitempty"`
}

// Price is an amount in minor units of an upper-case ISO 4217 currency.
type Price struct {
	// Amount is in minor units, at least 0.
	Amount int64 `json:"amount"`
	// Currency is the upper-case ISO 4217 code.
	Currency string `json:"currency"`
}

// Availability is whether a variant can be bought, and why.
type Availability struct {
	// Available is true when the variant can be bought now.
	Available bool `json:"available"`
	// Status is in_stock, out_of_stock, preorder, backorder or
	// discontinued (catalog.Status*).
	Status string `json:"status,omitempty"`
}

// Barcode is a machine-readable code of a variant.
type Barcode struct {
	// Type is the code's scheme, such as GTIN.
	Type string `json:"type"`
	// Value is the code.
	Value string `json:"value"`
}

// Media is one image, video or other asset.
type Media struct {
	// Type is image, video or model.
	Type string `json:"type"`
	// URL is the asset's absolute URL.
	URL string `json:"url"`
	// AltText describes the asset.
	AltText string `json:"alt_text,omitempty"`
	// Width and Height are its size in pixels, when known.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
}

// VariantOption is one option that sets a variant apart.
type VariantOption struct {
	// Name is the option, such as Color.
	Name string `json:"name"`
	// Value is the variant's value of it, such as Red.
	Value string `json:"value"`
}

// Category is a category of a variant within a taxonomy.
type Category struct {
	// Value is the category.
	Value string `json:"value"`
	// Taxonomy names the taxonomy (TaxonomyMerchant for the seller's own).
	Taxonomy string `json:"taxonomy,omitempty"`
}

// TaxonomyMerchant is the taxonomy of the seller's own categories.
const TaxonomyMerchant = "merchant"

// Seller names a seller or a marketplace, with its policy pages.
type Seller struct {
	// Name is the seller's name.
	Name string `json:"name,omitempty"`
	// Links are its policy and information pages.
	Links []Link `json:"links,omitempty"`
}

// Link is one of a seller's pages.
type Link struct {
	// Type is the page's kind, such as refund_policy.
	Type string `json:"type"`
	// Title is the link's label.
	Title string `json:"title,omitempty"`
	// URL is the page's absolute URL.
	URL string `json:"url"`
}

// FeedMetadata describes a feed (components/schemas/FeedMetadata): the
// answer to creating or reading one, and metadata.json of a feed file.
type FeedMetadata struct {
	// ID is the platform's id of the feed.
	ID string `json:"id"`
	// TargetCountry is the feed's market, an ISO 3166-1 alpha-2 code.
	TargetCountry string `json:"target_country,omitempty"`
	// UpdatedAt is when the feed last changed, in RFC 3339 form.
	UpdatedAt string `json:"updated_at,omitempty"`
}

// CreateFeedRequest is the body of POST /feeds.
type CreateFeedRequest struct {
	// TargetCountry is the feed's market.
	TargetCountry string `json:"target_country,omitempty"`
}

// UpsertProductsRequest is the body of PATCH /feeds/{id}/products: each
// product whole, as Encode wrote it.
type UpsertProductsRequest struct {
	// Products are the products to create or replace, by id.
	Products []json.RawMessage `json:"products"`
}

// UpsertProductsResponse is the answer to an upsert.
type UpsertProductsResponse struct {
	// ID is the feed's id.
	ID string `json:"id"`
	// Accepted is true when the platform accepted the products.
	Accepted bool `json:"accepted"`
	// FeedUpdateID is the platform's version of this upsert, when it
	// keeps one (the unreleased spec's feed_update_id).
	FeedUpdateID string `json:"feed_update_id,omitempty"`
}

// Error is the Feed API's error body.
type Error struct {
	// Type is the error's category, such as invalid_request.
	Type string `json:"type"`
	// Code is the machine-readable code, such as feed_not_found.
	Code string `json:"code"`
	// Message explains the error.
	Message string `json:"message"`
	// Param names the request member at fault, when one is.
	Param string `json:"param,omitempty"`
}

// CodeFeedNotFound is the Feed API's error code of a feed id the
// platform does not know.
const CodeFeedNotFound = "feed_not_found"
