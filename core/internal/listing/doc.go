// Package listing reads a catalog's listing (catalog.Listing, the
// optional capability catalog.listing) the way every reader of it in the
// host does: one listing paged through from the first page to the last,
// since an earlier change token or whole, checked against the listing's
// contract; and it derives a variant's availability from its status and
// stock, one rule for every protocol that shows it (the product feeds,
// UCP's catalog).
//
// Layer: leaf helper of the core (core/internal). It may import only the
// standard library, outside modules, other core/internal packages and the
// SDK; no core layer above it (enforced by internal/importrules).
package listing
