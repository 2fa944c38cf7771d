package catalog

import "context"

// Listing is the optional capability "catalog.listing" (protocol 1.4): the
// catalog lists its products, each with its variants, so that the host
// can publish a product feed to agent platforms (docs/feeds.md) from any
// catalog. A catalog plugin offers it by handing an implementation to
// acpplugin.ServeOpts.Listing; without it the host publishes no feed.
//
// A variant is what checkout sells: its Item is what ResolveItems answers
// for the variant's id, so that the price and availability a feed shows
// are the ones checkout charges. The host polls the listing with the
// ChangeToken of the last one, so an implementation that can tell nothing
// changed answers at once that nothing did.
//
// One listing is the pages from an empty PageToken to the page without a
// NextPageToken, all asked with the same Currency and Since. It shows one
// state of the catalog: an implementation never answers the pages of one
// listing from two versions of it (before and after its data was
// reloaded, say). When it cannot go on in the version a listing began
// with, it refuses the listing's next page token as stale, and the host
// starts the listing over.
type Listing interface {
	// ListProducts returns one page of the catalog's products. It may
	// return acp.ErrNotOffered (the host then publishes no feed).
	ListProducts(ctx context.Context, req *ListProductsRequest) (*ListProductsResponse, error)
}

// ListProductsRequest asks for one page of the catalog's products.
type ListProductsRequest struct {
	// Currency is the store's currency; prices must be in it. A variant
	// not sold in Currency is left out, and a product none of whose
	// variants is sold in it is not listed.
	Currency string
	// Since is the ChangeToken of an earlier complete listing in the
	// same Currency (a token belongs to the currency it was listed in):
	// the host asks what changed since then, and sends the same Since on
	// every page of the listing. Empty asks for the whole catalog. An
	// implementation that does not recognise the token (it expired,
	// comes from before a restart or from another currency) lists the
	// whole catalog.
	Since string
	// PageToken continues a listing: the NextPageToken of the previous
	// page. Empty asks for the first page. Page tokens are opaque to the
	// host, and the same token asked again answers the same page: the
	// host retries a page whose answer it did not get, and the retry may
	// reach a new process of the plugin, so a token must survive a
	// restart. A token the implementation did not give, or a stale one
	// (of a version of the catalog it can no longer list from, see
	// Listing), is an error, and the host starts the listing over.
	PageToken string
	// PageSize is the most products a page may hold, at least 1. An
	// implementation may return fewer, never more.
	PageSize int
}

// ListProductsResponse is one page of a listing.
type ListProductsResponse struct {
	// Products are the page's products, each with at least one variant
	// and passing CheckProduct. A product id appears on one page only.
	Products []Product
	// Changes is true when the listing holds only what changed since the
	// request's Since: Products are the products added or changed (each
	// whole, with all its variants) and Removed the ids of products no
	// longer sold. False means the listing is the whole catalog: every
	// product not listed is no longer sold. Every page of one listing
	// answers the same.
	Changes bool
	// Removed are the ids of the products removed since Since, only when
	// Changes is true. They may come on any page of the listing (the host
	// collects them from every page); an id both listed in Products (on
	// any page) and in Removed is listed: the host keeps the product as
	// listed.
	Removed []string
	// NextPageToken continues the listing; empty on the last page.
	NextPageToken string
	// ChangeToken, on the last page only, identifies the state of the
	// catalog the listing showed in its Currency; the host passes it as
	// Since next time. It must change whenever anything listed would: a
	// title, a price, whether a variant is in stock. A listing that says
	// nothing changed (Changes true, nothing listed or removed) carries a
	// ChangeToken too: the Since it was asked with.
	ChangeToken string
}

// Product is one product: what a shopper sees as one thing to buy, in one
// or more variants (a colour, a size). A catalog without variants lists
// each item as a product with one variant.
type Product struct {
	// ID is the seller's product id, stable over time.
	ID string
	// Title is the product's name.
	Title string
	// Description is the product's longer text, in one or more forms.
	Description Description
	// URL is the product's page on the seller's site.
	URL string
	// Media are the product's images and other media.
	Media []Media
	// Variants are the purchasable variants, at least one.
	Variants []Variant
}

// Variant is one purchasable variant of a product: one checkout item id.
type Variant struct {
	// Item is the variant as ResolveItems answers for its id: ID is the
	// checkout item id (stable; agents buy it), Found true, and its title,
	// description, images, unit price, availability and categories are
	// the ones checkout uses.
	Item Item
	// URL is the variant's page on the seller's site, when it has its own.
	URL string
	// ListPrice is the "compare at" price in minor units, above UnitPrice
	// when the variant is on sale; 0 means none.
	ListPrice int64
	// Barcodes are the variant's GTIN, UPC, EAN or other codes.
	Barcodes []Barcode
	// Options say what sets the variant apart, such as Color: Red.
	Options []VariantOption
	// Condition lists the variant's conditions, such as new or
	// refurbished; empty means none stated.
	Condition []string
	// Status overrides the availability status the host derives from the
	// item's stock (in_stock, out_of_stock): preorder, backorder or
	// discontinued. Empty derives it.
	Status string
	// Seller is who sells the variant; Marketplace where it is sold, when
	// that is a marketplace. Either may be nil.
	Seller, Marketplace *Seller
}

// Description is a text in plain, HTML or Markdown form; any may be empty.
type Description struct {
	// Plain is plain text.
	Plain string
	// HTML is the text as HTML.
	HTML string
	// Markdown is the text as Markdown.
	Markdown string
}

// Media is one image, video or other asset.
type Media struct {
	// Type is the kind of asset: image, video or model.
	Type string
	// URL is the asset's absolute URL.
	URL string
	// AltText describes the asset.
	AltText string
	// Width and Height are its size in pixels, 0 when not known.
	Width, Height int
}

// Barcode is a machine-readable code of a variant.
type Barcode struct {
	// Type is the code's scheme, such as GTIN, UPC or EAN.
	Type string
	// Value is the code.
	Value string
}

// VariantOption is one option that sets a variant apart.
type VariantOption struct {
	// Name is the option, such as Color or Size.
	Name string
	// Value is the variant's value of it, such as Red or M.
	Value string
}

// Seller names who sells a variant, with links to the seller's policies.
type Seller struct {
	// Name is the seller's name.
	Name string
	// Links are the seller's policy and information pages.
	Links []SellerLink
}

// SellerLink is one of a seller's pages.
type SellerLink struct {
	// Type is the page's kind, such as privacy_policy, terms_of_service,
	// refund_policy, shipping_policy or faq.
	Type string
	// Title is the link's label; may be empty.
	Title string
	// URL is the page's absolute URL.
	URL string
}
