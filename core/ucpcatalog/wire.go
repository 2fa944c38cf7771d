package ucpcatalog

import (
	"encoding/json"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// The JSON shapes of the catalog's requests and responses
// (catalog_search.json, catalog_lookup.json and the types they name).
// Empty optional members are omitted.

// searchRequest is search_request.
type searchRequest struct {
	Query      *string         `json:"query"`
	Context    json.RawMessage `json:"context"`
	Filters    json.RawMessage `json:"filters"`
	Pagination *struct {
		Cursor *string `json:"cursor"`
		Limit  *int64  `json:"limit"`
	} `json:"pagination"`
}

// lookupRequest is lookup_request.
type lookupRequest struct {
	IDs     []string        `json:"ids"`
	Context json.RawMessage `json:"context"`
	Filters json.RawMessage `json:"filters"`
}

// productRequest is get_product_request.
type productRequest struct {
	ID          *string          `json:"id"`
	Selected    []selectedOption `json:"selected"`
	Preferences []string         `json:"preferences"`
	Context     json.RawMessage  `json:"context"`
	Filters     json.RawMessage  `json:"filters"`
}

// requestContext is what the catalog reads of a request's context
// (types/context.json): the currency its price filter is in.
type requestContext struct {
	Currency string `json:"currency"`
}

// envelope is the ucp member of a catalog response
// (response_catalog_schema).
type envelope struct {
	Version      string                         `json:"version"`
	Status       string                         `json:"status,omitempty"`
	Capabilities map[string][]capabilityVersion `json:"capabilities"`
}

// capabilityVersion is a capability of a response: its version.
type capabilityVersion struct {
	Version string `json:"version"`
}

// searchResponse is search_response.
type searchResponse struct {
	UCP        envelope    `json:"ucp"`
	Products   []product   `json:"products"`
	Pagination *pagination `json:"pagination,omitempty"`
	Messages   []message   `json:"messages,omitempty"`
}

// lookupResponse is lookup_response.
type lookupResponse struct {
	UCP      envelope  `json:"ucp"`
	Products []product `json:"products"`
	Messages []message `json:"messages,omitempty"`
}

// productResponse is get_product_response.
type productResponse struct {
	UCP      envelope  `json:"ucp"`
	Product  product   `json:"product"`
	Messages []message `json:"messages,omitempty"`
}

// errorResponse is types/error_response.json: get_product's answer for
// an identifier it cannot resolve, and any operation's for a platform
// that did not negotiate its capability.
type errorResponse struct {
	UCP      envelope  `json:"ucp"`
	Messages []message `json:"messages"`
}

// pagination is pagination.json#/$defs/response.
type pagination struct {
	Cursor      string `json:"cursor,omitempty"`
	HasNextPage bool   `json:"has_next_page"`
	TotalCount  int    `json:"total_count"`
}

// message is types/message.json (error, warning or info).
type message struct {
	Type     string `json:"type"`
	Code     string `json:"code,omitempty"`
	Path     string `json:"path,omitempty"`
	Content  string `json:"content"`
	Severity string `json:"severity,omitempty"`
}

// product is types/product.json; in a get_product response also
// detail_product, with the effective selections (Selected) and
// availability signals on its options' values.
type product struct {
	ID             string          `json:"id"`
	Title          string          `json:"title"`
	Description    description     `json:"description"`
	URL            string          `json:"url,omitempty"`
	Categories     []category      `json:"categories,omitempty"`
	PriceRange     priceRange      `json:"price_range"`
	ListPriceRange *priceRange     `json:"list_price_range,omitempty"`
	Media          []media         `json:"media,omitempty"`
	Options        []productOption `json:"options,omitempty"`
	// Selected is set in get_product's answer for a product with
	// options, empty when every selection was relaxed.
	Selected *[]selectedOption `json:"selected,omitempty"`
	Variants []variant         `json:"variants"`
}

// variant is types/variant.json; in a lookup response also lookup_variant,
// with the request identifiers that resolved to it (Inputs).
type variant struct {
	ID           string             `json:"id"`
	SKU          string             `json:"sku"`
	Title        string             `json:"title"`
	Description  description        `json:"description"`
	URL          string             `json:"url,omitempty"`
	Barcodes     []barcode          `json:"barcodes,omitempty"`
	Categories   []category         `json:"categories,omitempty"`
	Price        price              `json:"price"`
	ListPrice    *price             `json:"list_price,omitempty"`
	Availability availability       `json:"availability"`
	Options      []selectedOption   `json:"options,omitempty"`
	Media        []media            `json:"media,omitempty"`
	Seller       *seller            `json:"seller,omitempty"`
	Inputs       []inputCorrelation `json:"inputs,omitempty"`
}

// description is types/description.json: at least one form. Plain is
// sent, empty, when the catalog gives no text at all.
type description struct {
	Plain    *string `json:"plain,omitempty"`
	HTML     string  `json:"html,omitempty"`
	Markdown string  `json:"markdown,omitempty"`
}

// descriptionOf returns d in wire form.
func descriptionOf(d catalog.Description) description {
	out := description{HTML: d.HTML, Markdown: d.Markdown}
	if d.Plain != "" || (d.HTML == "" && d.Markdown == "") {
		out.Plain = &d.Plain
	}
	return out
}

// price is types/price.json: minor units of an upper-case currency.
type price struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// priceRange is types/price_range.json.
type priceRange struct {
	Min price `json:"min"`
	Max price `json:"max"`
}

// availability is a variant's availability.
type availability struct {
	Available bool   `json:"available"`
	Status    string `json:"status,omitempty"`
}

// category is types/category.json.
type category struct {
	Value    string `json:"value"`
	Taxonomy string `json:"taxonomy,omitempty"`
}

// taxonomyMerchant is the taxonomy of the seller's own categories, the
// only ones a catalog gives.
const taxonomyMerchant = "merchant"

// media is types/media.json.
type media struct {
	Type    string `json:"type"`
	URL     string `json:"url"`
	AltText string `json:"alt_text,omitempty"`
	Width   int    `json:"width,omitempty"`
	Height  int    `json:"height,omitempty"`
}

// productOption is types/product_option.json (with detail_option_value's
// signals in get_product's answer).
type productOption struct {
	Name   string        `json:"name"`
	Values []optionValue `json:"values"`
}

// optionValue is types/option_value.json, or detail_option_value.json
// when Available and Exists are set.
type optionValue struct {
	Label     string `json:"label"`
	Available *bool  `json:"available,omitempty"`
	Exists    *bool  `json:"exists,omitempty"`
}

// selectedOption is types/selected_option.json.
type selectedOption struct {
	Name  string `json:"name"`
	ID    string `json:"id,omitempty"`
	Label string `json:"label"`
}

// barcode is a variant's barcode.
type barcode struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// seller is a variant's seller.
type seller struct {
	Name  string `json:"name,omitempty"`
	Links []link `json:"links,omitempty"`
}

// link is types/link.json.
type link struct {
	Type  string `json:"type"`
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
}

// inputCorrelation is types/input_correlation.json.
type inputCorrelation struct {
	ID    string `json:"id"`
	Match string `json:"match"`
}

// The match types of an input correlation (lookup.md, "Resolution
// Behavior").
const (
	matchExact    = "exact"
	matchFeatured = "featured"
)

// sellerOf returns s in wire form; nil when s is.
func sellerOf(s *catalog.Seller) *seller {
	if s == nil {
		return nil
	}
	out := &seller{Name: s.Name}
	for _, l := range s.Links {
		out.Links = append(out.Links, link{Type: l.Type, URL: l.URL, Title: l.Title})
	}
	return out
}
