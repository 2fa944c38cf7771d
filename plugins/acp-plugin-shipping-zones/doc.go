// Command acp-plugin-shipping-zones is an ACP shipping plugin that quotes
// fulfillment options from shipping zones configured in acp.yaml: each
// zone is a set of countries (optionally narrowed to regions) with its own
// options, priced flat, by weight or by cart value.
//
// # Configuration
//
// Its block under plugins[].config in acp.yaml:
//
//	currency      ISO 4217 code the amounts are in. Optional: when set, a
//	              quote in another currency fails (a misconfiguration,
//	              reported in the host's log); when absent, the amounts
//	              are taken to be in whatever currency the host quotes in
//	              (its merchant.currency).
//	default_zone  the name of the zone whose options are offered before
//	              the buyer gives an address. Optional: without it, no
//	              zone option is offered until there is an address (the
//	              host then asks for one).
//	zones         the zones, in order: an address is served by the
//	              first zone that matches it, so list narrow zones (with
//	              regions) before broad ones. Each zone has:
//	    name        a unique name. Required.
//	    countries   ISO 3166-1 alpha-2 codes, or "*" for any country (a
//	                "rest of the world" zone, listed last). Required.
//	    regions     state or province codes; when set, only addresses in
//	                one of these regions (of any of the countries) match.
//	    options     the zone's options (below). Required.
//	digital       {id, title, description}: a free option offered for
//	              every line whose item is digital, whatever the address
//	              (or without one). Optional.
//
// An option has:
//
//	id, title          required; id is unique within its zone and is what
//	                   the agent selects. The same id in two zones should
//	                   name the same service.
//	type               shipping, local_delivery, pickup or digital. It
//	                   carries every line whose item allows this type.
//	description, carrier   optional texts.
//	flat               a fixed amount, in integer minor units, or
//	weight_brackets    a list of {up_to_grams, amount}: the first bracket
//	                   whose up_to_grams is at least the weight of the
//	                   lines carried sets the amount; the last bracket
//	                   may leave up_to_grams out to take any weight. A
//	                   heavier cart is not offered the option. Or
//	price_brackets     a list of {up_to, amount}, the same by the
//	                   subtotal (minor units) of the lines carried.
//	                   Exactly one of flat, weight_brackets and
//	                   price_brackets is required.
//	per_item           added per unit carried. Optional.
//	free_over          the option is free when the subtotal of the lines
//	                   carried reaches this amount. Optional.
//	delivery           {min, max, unit}: delivery between min and max days
//	                   from today (UTC); unit is "days" (the default) or
//	                   "business_days" (Monday to Friday). Optional.
//	pickup             {name, address, phone, instructions}: required for
//	                   pickup options, refused for others. address has
//	                   the ACP address fields (name, line_one, line_two,
//	                   city, state, country, postal_code).
//
// All amounts are integer minor units of the currency; never floats.
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
// # Build
//
//	go build -o bin/ ./plugins/acp-plugin-shipping-zones
package main
