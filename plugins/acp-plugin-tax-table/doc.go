// Command acp-plugin-tax-table is an ACP tax plugin that taxes carts from a
// table of rates by country and region, configured in acp.yaml. It
// computes exactly what the host's built-in tax table computes, so a
// seller can move between the two without a change in any total.
//
// # Configuration
//
// Its block under plugins[].config in acp.yaml is described once, by the
// config struct in main.go: the host checks the block against the JSON
// Schema derived from it, which "acp plugins describe --json" prints with
// each key's description, and the struct's Validate method refuses, by
// path, what a schema of types cannot say. A rate, written as a string
// ("0.0725") or a number (0.0725), is converted exactly, without floating
// point, to integer parts per million. For example:
//
//	capabilities:
//	  tax: tax
//	plugins:
//	  - name: tax
//	    command: ./bin/acp-plugin-tax-table
//	    config:
//	      shipping_taxable: false
//	      origin: { country: US, region: CA }
//	      rates:
//	        - { country: US, region: CA, rate: "0.0725", categories: { food: "0" } }
//	        - { country: US, rate: "0.05", categories: { food: "0" } }
//
// # Computation
//
// The rate of a destination is its country and region's, else its
// country's. Each line is taxed on its own, at its category's rate when
// the rate defines that category and at the standard rate otherwise, and
// rounded half up to a minor unit; the cart's tax is the sum. Amounts are
// integers throughout; a cart whose tax would exceed the largest int64
// is refused with an error rather than wrapped.
//
// The breakdown has one entry per rate at which tax was collected, its
// amounts summing to the cart's tax: the place's standard rate, named
// after the place ("US-CA", or "US" for a country's rate), taking the
// lines taxed at it, the fulfillment charge when it is taxed, and any
// category whose own rate equals it; then each other rate, named after
// the place and the categories taxed at it ("US-CA (food)", "US-CA
// (books, food)"), in order of name. A rate that collected nothing (a 0 %
// category, say) has no entry. The host's built-in table has a single
// entry, at the standard rate: the two agree whenever every category
// rate in use is 0 or the standard rate, as in the demo's table.
//
// A destination whose country (and region) the table does not list is
// taxed at zero, with no message: the table lists where the seller
// collects tax, and a sale anywhere else is not taxed by the seller. The
// host's built-in table does the same. The breakdown then is empty.
//
// # Split checkouts
//
// When the agent splits the checkout into fulfillment groups (ACP
// 2026-01-30 and later), the host asks once per group, with the group's
// destination, lines and fulfillment charge, and once for the lines in no
// group; it sums the answers and merges the breakdowns by name. The
// table therefore taxes each group at its own destination without
// reading the group itself: a pickup group is taxed at the destination
// the host gives (the group's address, else the checkout's), not at the
// pickup location, whose address a tax quote does not carry.
//
// # Reused answers
//
// Every answer carries a MaxAge of 5 minutes (plugin protocol 1.5): the
// host may answer the same request again from it for that long without
// calling the plugin. An answer depends on the request and the table
// alone, and the table changes only with the config block, which reaches
// the plugin when it starts (a new acp.yaml takes a restart of the host,
// and the host forgets a plugin's answers at each of its starts), so no
// answer outlives the table it came from. Any age would be as correct; 5
// minutes is the longest the host keeps an answer.
//
// # Build
//
//	go build -o bin/ ./plugins/acp-plugin-tax-table
package main
