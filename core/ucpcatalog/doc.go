// Package ucpcatalog serves UCP's catalog capabilities (release
// 2026-04-08, docs/specification/catalog): catalog search
// (dev.ucp.shopping.catalog.search: search_catalog) and catalog lookup
// (dev.ucp.shopping.catalog.lookup: lookup_catalog and get_product), each
// as a transport-neutral ucp.Operation answering the JSON bodies of
// catalog_search.json and catalog_lookup.json.
//
// They answer from an Index the host keeps of the catalog's listing
// (catalog.Listing: the built-in catalog's or a catalog plugin's
// catalog.listing), refreshed in the background with the listing's
// change tokens, so that only the products that changed are read and
// indexed again and no request ever lists a plugin's catalog; the
// variants' availability comes from the host's stock levels, read at
// every refresh, by the same rule the product feeds show it with. A
// variant's id is its checkout item id (the SKU), so that an agent puts
// a variant it found straight into a checkout's line_items[].item.id.
//
// Layer: a wire format and the service over it, beside core/ucpwire. It
// may import core/ucp, the SDK's catalog types, core/internal and the
// standard library; never config, the store or core/host (enforced by
// internal/importrules).
package ucpcatalog
