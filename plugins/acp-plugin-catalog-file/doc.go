// Command acp-plugin-catalog-file is an ACP catalog plugin that serves the
// items listed in a CSV or JSON file, and picks up changes to the file
// while it runs.
//
// # Configuration
//
// Its block under plugins[].config in acp.yaml:
//
//	path             the catalog file; ".csv" or ".json" (by extension).
//	                 Required. A relative path is resolved against the
//	                 plugin's working directory, which the acp host sets
//	                 to the directory of acp.yaml.
//	reload_interval  how often the file is checked for changes (see
//	                 Reloading), as a Go duration. Default "2s"; "0s"
//	                 turns reloading off; otherwise at least "10ms".
//	currency         the ISO 4217 currency of rows whose currency column
//	                 is empty. Optional (see Currencies).
//	stock_state      the file that keeps the stock counts and holds (see
//	                 Stock). Default: the catalog file's path with
//	                 ".stock.json" appended. Relative paths as for path.
//	                 Its folder must be writable when any row has a
//	                 stock figure: for a catalog in a read-only folder (a
//	                 Kubernetes ConfigMap, say), point it at a writable
//	                 volume.
//	promotions       a JSON file of promotions (see Promotions).
//	                 Optional. Relative paths as for path.
//
// For example:
//
//	capabilities:
//	  catalog: products
//	plugins:
//	  - name: products
//	    command: ./bin/acp-plugin-catalog-file
//	    config:
//	      path: /srv/shop/products.csv
//	      reload_interval: 5s
//
// # The file
//
// A CSV file has a header row naming its columns, in any order and case;
// lines starting with '#' are comments. A JSON file is an array of
// objects with the same field names. Fields:
//
//	sku                the ACP item id. Required.
//	title              the display name. Required, except on a row with
//	                   a product_id whose product has a product_title
//	                   (see Products).
//	description        a longer text.
//	unit_price         the price of one unit in integer minor units of the
//	                   row's currency (1500 is 15.00 USD). Required, 0 or
//	                   more; "15.00" is refused: money is never a float.
//	currency           the row's ISO 4217 currency (see Currencies).
//	tax_category       the tax treatment. Default "standard".
//	weight_value       the unit weight, a number > 0 ...
//	weight_unit        ... in g, kg, oz or lb. Both or neither.
//	stock              units on hand, 0 or more, when the figure was
//	                   written (see Stock); empty (JSON: absent or null)
//	                   means unlimited: not stock-controlled.
//	max_per_order      the most units one order may hold; empty or 0
//	                   means no cap.
//	fulfillment_types  shipping, pickup, digital, local_delivery; in CSV
//	                   separated by '|' ("shipping|pickup"), in JSON an
//	                   array of strings. Default shipping.
//	images             absolute http(s) image URLs; in CSV separated by
//	                   '|', in JSON an array of strings.
//	product_id         the product the row is a variant of (see
//	                   Products); empty: the item is sold on its own.
//	categories         the item's categories, for promotions limited to
//	                   categories (see Promotions); in CSV separated by
//	                   '|', in JSON an array of strings.
//	escalation         why the item is bought on the store's own page
//	                   instead of through the API: age_verification_required,
//	                   requires_sign_in, unsupported (options the API
//	                   cannot express), region_restricted or
//	                   approval_required. Empty: sold through the API. An
//	                   agent's cart holding the item is escalated: the host
//	                   answers requires_escalation with a continue_url.
//	escalation_reason  the text shown to the buyer; empty uses the host's
//	                   text for the code. Needs escalation.
//	continue_url       the item's page, an absolute http(s) URL (printable
//	                   ASCII, at most 2048 bytes) in whose path, query or
//	                   fragment the host fills in {checkout_session_id}
//	                   and {item_id}; empty uses the host's
//	                   escalation.continue_url. Needs escalation.
//
// The fields of product feeds (see Products), all optional:
//
//	product_title        the product's name. Needs product_id.
//	product_description  the product's longer text. Needs product_id.
//	product_url          the product's page, an absolute http(s) URL.
//	                     Needs product_id.
//	product_images       the product's images, absolute http(s) URLs; in
//	                     CSV separated by '|', in JSON an array of
//	                     strings. Needs product_id.
//	product_categories   the categories of its variants that name none;
//	                     in CSV separated by '|', in JSON an array of
//	                     strings. Needs product_id.
//	product_condition    the condition of its variants that state none;
//	                     as condition. Needs product_id.
//	product_seller_name  who sells its variants that name no seller.
//	                     Needs product_id.
//	url                  the variant's own page, an absolute http(s) URL.
//	list_price           the price before a sale ("compare at"), in
//	                     integer minor units like unit_price; empty or
//	                     0: none.
//	barcodes             the variant's codes. In CSV TYPE:VALUE pairs
//	                     separated by ';', such as
//	                     "GTIN:00012345600012;EAN:4006381333931"; in
//	                     JSON an array of {"type": ..., "value": ...}.
//	options              what sets the variant apart. In CSV NAME=VALUE
//	                     pairs separated by ';' ("Color=Red;Size=M"), in
//	                     JSON an array of {"name": ..., "value": ...}; a
//	                     name at most once.
//	condition            the variant's conditions, such as new or
//	                     refurbished; in CSV separated by '|', in JSON an
//	                     array of strings.
//	availability_status  preorder, backorder or discontinued; empty: in
//	                     or out of stock, as its stock says.
//	seller_name          who sells the variant.
//
// In CSV a column of several values has separators no value in it can
// hold, and no value has spaces around it (they are trimmed):
// fulfillment_types, images, categories, condition, product_images,
// product_categories and product_condition are separated by '|', so no
// value holds a '|' (write %7C in a URL); barcodes and options are pairs
// separated by ';', so neither half of a pair holds a ';', and each pair
// is cut at its first ':' (barcodes) or '=' (options), so a barcode type
// holds no ':' and an option name no '=' (the value may). There is no
// escape: a value that needs one of these characters is written in a
// JSON file, whose arrays and objects hold any string.
//
// An unknown column or field, a malformed value or a duplicate sku refuses
// the whole file, naming the line (CSV) or array index (JSON) of each
// problem: a catalog is loaded whole or not at all.
//
// # Currencies
//
// Prices are only ever served in the currency they are written in. A row
// with a currency serves requests in that currency only; a row without
// one takes the configured currency, or, when none is configured, serves
// requests in any currency (a single-currency store, whose currency is the
// host's merchant.currency). A SKU may have one row per currency, which
// makes a multi-currency price list; a row without a currency (and no
// configured currency) must then be the SKU's only row. A SKU with no row
// in a request's currency is not found (Found false), exactly like an
// unknown SKU: the host tells the agent the store does not sell it.
//
// # Products
//
// The plugin lists its products for the product feeds the acp host
// publishes (the optional capability catalog.listing; the sidecar's
// docs/feeds.md). Rows that share a
// product_id are the variants of one product; the product's columns
// (product_title, product_description, product_url, product_images,
// product_categories, product_condition, product_seller_name) may be
// given on one of its rows or repeated on several, but rows that give one
// must agree. A variant without a title is named by its product's title
// and its option values ("Logo T-shirt - Red / M", the product's title
// alone without options); one without a description takes the product's;
// one without categories, condition or seller_name takes
// product_categories, product_condition or product_seller_name: the
// rules of the SDK's catalog.CompleteProduct. A row without a product_id
// is a product of its own, whose id is its sku (catalog.ItemProduct).
// ResolveItems answers each item as its product lists it (its product
// id, and what it takes from its product, included), so that a feed and
// checkout agree.
//
// The host's acp.yaml catalog.products follow the same rules, so a
// product written in either lists the same and resolves the same, field
// for field, as long as it uses what both can say. Only acp.yaml says a
// media's type (other than image) and alt_text, and a seller's links;
// only this file says a variant's own seller (seller_name), a row's
// currency, and the escalations region_restricted and approval_required.
//
// The variants of a product must be told apart (catalog.CheckProduct): no
// two with the same title (as named above) or the same options, an
// option name at most once per variant. A product that breaks this
// refuses the file, naming its rows, when any of its rows gives a column
// added for product listings (the product columns above, url,
// list_price, barcodes, options, condition, availability_status,
// seller_name).
//
// A file written for the release before product listings, in which
// product_id only named an item's product, loads as it did, and the
// plugin logs a warning naming each row it takes in a way the file may
// not mean:
//
//   - a product whose variants cannot be told apart, none of whose rows
//     gives a listing column (two sizes titled alike, told apart by their
//     skus only), is left out of the listing; checkout sells its items as
//     before. Give its rows options or titles of their own to list it;
//   - a row without a product_id whose sku other rows name as their
//     product_id is a variant of that product (its item keeps its own
//     title, and its product id is its sku, as before);
//   - a sku whose rows in different currencies name different products
//     is listed, in each currency, in its row's product.
//
// A listing holds the products with a row in the request's currency (or
// a row without a currency), by id, each with the variants served in it.
// Its change token is made of the listing's format, the plugin's and
// the SDK's versions, the file's content, the configured currency, the
// request's currency and what can be held of each variant listed, so it
// changes when an upgrade lists the same file otherwise, when the file is
// reloaded with other content, and when a hold, a sale, a release or a
// lapsed hold changes what can be held. A listing shows the state of its
// first page: its later pages are answered from that state, which the
// plugin remembers, or, in a restarted plugin, from the catalog when it
// is still in that state; otherwise (the file reloaded with other
// content, or the stock moved before a restart) the page token is
// refused as stale and the host lists again. Asked since the current
// token, the plugin answers at once that nothing changed; since one of
// its last 8 states with the same file content, it lists only the
// products whose availability changed; since any other token, the whole
// catalog. The current state and its token are kept while the stock
// state file does not change, so a poll with nothing changed reads no
// sku.
//
// # Reloading
//
// Every reload_interval the plugin compares the file's stat with that of
// the file it last read: its modification time and size and, on Linux,
// macOS, FreeBSD and NetBSD, its device, inode and status-change time
// (which a rename over the file, or an edit that restores the old mtime,
// changes). It reads the file again when any differs, and also, whatever
// its stat, while the file's modification time is within 2 seconds of
// when it was last read: an edit made then may keep the same size and,
// with coarse timestamps, the same mtime (git's "racy" rule). A file read
// again is parsed again only when its content (its SHA-256) changed. The
// new catalog replaces the old one at once, between two calls. A file that cannot be read or is invalid is logged and the
// previous catalog is kept; CheckHealth then fails (so /readyz reports
// it) until a valid file is loaded. Replace the file atomically (write a
// temporary file and rename it over the old one), so that a half-written
// file is never read.
//
// The host reuses no catalog answer (a catalog's ResolveItems carries no
// MaxAge, unlike tax and shipping quotes since plugin protocol 1.5): a
// price changed in the file and the stock counts, which every hold and
// sale change, reach the next checkout that asks.
//
// # Stock
//
// The plugin counts the stock of every item with a stock figure and
// offers the optional capability catalog.stock_reservations: the host
// holds units through it before it takes any money, sells them when the
// order is placed and gives them back otherwise (the sidecar's
// docs/stock.md). A figure means what stock: means in the sidecar's
// acp.yaml: the units on hand when the figure was written. When the
// plugin loads the file (at start and on every reload) it compares each
// SKU's figure with the one it last applied: a SKU's first figure is on
// hand; the same figure changes nothing, so sales since stay counted; a
// different figure is a restock (on hand from now, sales counted from
// now; units held stay held); a SKU without a figure any more loses its
// count. Rows of one SKU in several currencies share one count; when
// they give different figures, the smallest counts. The Available figure
// of an item is on hand less what live holds keep.
//
// Counts and holds live in the state file, JSON:
//
//	{
//	  "version": 1,
//	  "skus": {"tee-logo": {"file_figure": 5, "on_hand": 3, "sold": 2, "set_at": "..."}},
//	  "holds": {"cs_...:attempt:1": {"lines": [{"sku": "tee-logo", "quantity": 1}],
//	            "expires_at": "...", "state": "held", "done_at": "..."}}
//	}
//
// A catalog in which no row has a stock figure, with no state file from
// an earlier one, counts nothing and writes nothing (no state file, no
// lock file): the host then checks out without stock control.
//
// A hold's state is held, committed, released or lapsed (its expiry
// passed while held: its units went back). A repeated reserve of a held
// key extends its expiry (the host renews the holds of payments still
// being resolved); a reserve of a lapsed key holds it again when its
// units fit. A commit of a lapsed hold sells its units only when they
// still fit; otherwise it is refused ("hold_lapsed"), never selling more
// than the stock, and the host raises the order to the seller. A commit
// of a key never held is refused as "no_such_hold". A failure to read or
// write the state file is answered as retryable: the host asks again.
// Committed, released and lapsed holds are kept for 7 days after, so
// that a repeated call is answered as the first was.
// Every change is written to a temporary file in the same directory,
// synced, renamed over the state file and the directory synced before
// the call is answered, so that a kill loses nothing acknowledged;
// temporary files a kill left behind are removed at the next start.
// Started by `acp plugins describe` or `acp feed export`
// (ACP_PLUGIN_DESCRIBING=1), the plugin only reads the state file, to
// check it and to answer the counts it holds: it applies no figure, takes
// no lock, holds nothing and writes nothing. Changes
// are made under an exclusive lock on "<state file>.lock" and on the
// state as it is on disk, so that two plugin processes sharing it (such
// as `acp plugins describe` run beside the server) never undo each
// other's changes. Reads (ResolveItems, the listing, a code's uses left)
// take the lock only when a hold is due to lapse or to be forgotten, which
// they write: otherwise they read the state file as its writers left it,
// replaced whole, and write nothing. A state file that cannot be read, or was written by a
// newer release, refuses the configuration: the plugin never starts
// again from the file's figures, forgetting sales. Do not edit the state
// file while the plugin runs; to restock, change the catalog file's
// figure.
//
// # Promotions
//
// With a promotions file the plugin decides the store's discounts: it
// serves the optional capability catalog.discounts, which the host uses
// instead of the promotions in acp.yaml (the sidecar's docs/discounts.md).
// Without one it announces the capability but answers "not offered", and
// the host applies acp.yaml's promotions.
//
// The file is a JSON array of promotions with the fields of acp.yaml's
// promotions, checked by the same rules (an unknown field, or a
// promotion that breaks a rule, refuses the configuration, naming each
// problem as promotions[i].field):
//
//	[
//	  {"id": "welcome", "code": "WELCOME10", "kind": "percent_off", "value": 10, "max_uses": 100},
//	  {"id": "mugs", "kind": "amount_off", "value": 300, "applies_to": "categories", "categories": ["kitchen"]},
//	  {"id": "ship", "code": "SHIPFREE", "kind": "free_shipping", "min_subtotal": 5000,
//	   "starts_at": "2026-12-01", "ends_at": "2027-01-01"}
//	]
//
// Fields: id, name, code (absent: automatic), kind (percent_off,
// amount_off, free_shipping), value (the percentage, or the amount in
// minor units of the cart's currency), applies_to (order, items,
// categories), items (skus), categories (the catalog file's categories
// column), min_subtotal, starts_at, ends_at, max_uses, combinable and
// priority. The discounts are decided by the SDK's promotion engine
// (sdk/promotion), the one the sidecar's built-in promotions use, so a
// cart gets exactly the discounts the same promotions give in acp.yaml.
// The file is read when the plugin is configured (at start): restart the
// plugin to change it.
//
// A code with max_uses is usage-limited. Its uses are counted in the
// stock state file ("codes": {"WELCOME10": {"used": 3}}) and held with
// the stock: the host's Reserve carries the code, a hold takes one use
// (refused, as the shortfall "discount:<code>", when none is left), a
// commit sells it (an order was placed with the code) and a release gives
// it back. A code is offered while orders placed with it are fewer than
// max_uses; uses held by payments in progress are not taken off then
// (the hold may be the buyer's own), but a hold past the limit is refused.
//
// # Build
//
//	go build -o bin/ ./plugins/acp-plugin-catalog-file
package main
