// Command acp-plugin-shipping-zones is an ACP shipping plugin that quotes
// fulfillment options from shipping zones configured in acp.yaml: each
// zone is a set of countries (optionally narrowed to regions) with its own
// options, priced flat, by weight or by cart value.
//
// # Configuration
//
// Its block under plugins[].config in acp.yaml is described once, by the
// config struct in config.go: the host checks the block against the JSON
// Schema derived from it, which "acp plugins describe --json" prints with
// each key's description, and the struct's Validate method refuses, by
// path, what a schema of types cannot say. All amounts are integer minor
// units of the currency, never floats.
//
// Item weights are converted to grams exactly (g, kg, oz = 28.349523125 g,
// lb = 453.59237 g), summed over the units carried and rounded up to a
// whole gram. An item with no weight counts as 0 g: give every shipped
// item a weight when options are priced by weight.
//
// For example, a zone for the United States, another for Canada, and
// free digital delivery:
//
//	capabilities:
//	  shipping: zones
//	plugins:
//	  - name: zones
//	    command: ./bin/acp-plugin-shipping-zones
//	    config:
//	      currency: usd
//	      default_zone: us
//	      zones:
//	        - name: us
//	          countries: [US]
//	          options:
//	            - id: standard
//	              type: shipping
//	              title: Standard shipping
//	              carrier: USPS
//	              weight_brackets:
//	                - { up_to_grams: 1000, amount: 500 }
//	                - { amount: 900 }
//	              free_over: 5000
//	              delivery: { min: 4, max: 6, unit: business_days }
//	        - name: ca
//	          countries: [CA]
//	          options:
//	            - { id: standard, type: shipping, title: Standard shipping, flat: 1200 }
//	      digital: { id: email, title: Email delivery }
//
// # Outcomes
//
// An address that no zone matches gets no zone option and, when some line
// of the cart is then left without any option, an error message with code
// region_restricted and param "$.fulfillment_details.address". A cart
// without an address gets the default zone's options, or none; it is not
// a message: the host asks for the address itself.
//
// # Split checkouts
//
// When the agent splits the checkout into fulfillment groups (ACP
// 2026-01-30 and later), the host asks once per group, with the group's
// destination and lines. The plugin then offers only options of the
// group's type (the digital option only to a digital group); a pickup
// group whose location_id is the id of one of the zone's pickup options
// gets only that option, any other location_id gets every pickup option.
//
// # Reused answers
//
// Every answer carries a MaxAge (plugin protocol 1.5), for which the host
// may answer the same request again without calling the plugin: 5
// minutes, the longest the host keeps an answer, but never past the next
// midnight UTC, since the delivery dates count from today. Beyond the
// day, an answer depends on the request and the zones alone, and the
// zones change only with the config block, which reaches the plugin when
// it starts (a new acp.yaml takes a restart of the host, and the host
// forgets a plugin's answers at each of its starts).
//
// # Build
//
//	go build -o bin/ ./plugins/acp-plugin-shipping-zones
package main
