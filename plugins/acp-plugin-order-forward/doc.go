// Command acp-plugin-order-forward is an ACP fulfillment plugin that
// forwards every paid order to the store's own HTTP order intake, as a
// signed JSON POST, and forwards cancellations the same way.
//
// # Configuration
//
// Its block under plugins[].config in acp.yaml is described once, by the
// config struct in main.go: the host checks the block against the JSON
// Schema derived from it, which "acp plugins describe --json" prints with
// each key's description, and the struct's Validate method refuses, by
// key, what a schema of types cannot say. The secret itself is read from
// the environment variable secret_env names, which must be listed under
// the plugin's env: it never goes in acp.yaml.
//
// For example:
//
//	capabilities:
//	  fulfillment: orders
//	plugins:
//	  - name: orders
//	    command: ./bin/acp-plugin-order-forward
//	    env: [ORDER_INTAKE_SECRET]
//	    timeout: 15s
//	    config:
//	      url: https://shop.example/acp/orders
//	      health_url: https://shop.example/acp/health
//	      secret_env: ORDER_INTAKE_SECRET
//	      max_attempts: 3
//
// # Requests
//
// A placed order is POSTed to url with the headers
//
//	Content-Type: application/json
//	Idempotency-Key: <the placement's idempotency key>
//	ACP-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
//
// and this body (amounts in integer minor units of currency; destination
// and buyer are left out when the order has none):
//
//	{
//	  "order_id": "ord_123",
//	  "checkout_session_id": "cs_456",
//	  "currency": "usd",
//	  "lines": [
//	    {"id": "li_1", "item_id": "mug-classic", "product_id": "mug",
//	     "title": "Classic mug", "quantity": 2, "unit_price": 1500,
//	     "total": 3218}
//	  ],
//	  "total": 3718,
//	  "destination": {"name": "…", "line_one": "…", "line_two": "…",
//	    "city": "…", "state": "CA", "country": "US", "postal_code": "…",
//	    "company": "…"},
//	  "fulfillment_option_ids": ["standard"],
//	  "buyer": {"first_name": "…", "last_name": "…", "email": "…",
//	    "phone_number": "…"},
//	  "recipient": {"name": "…", "email": "…", "phone_number": "…"},
//	  "fulfillment_groups": [
//	    {"id": "gift", "type": "shipping", "line_ids": ["li_1"],
//	     "destination": {"name": "…", "line_one": "…", "city": "…",
//	       "state": "NY", "country": "US", "postal_code": "…"},
//	     "recipient": {"name": "…", "email": "…", "phone_number": "…"},
//	     "location_id": "…", "instructions": "…",
//	     "fulfillment_option_id": "standard", "amount": 500}
//	  ]
//	}
//
// recipient is the checkout's fulfillment contact, who receives the
// items at destination (the agent's fulfillment_details name, email and
// phone_number), each member left out when not given and the whole when
// none is; hosts older than protocol 1.2 leave it out. It may differ from
// the buyer, who pays.
//
// A line's total includes its tax. A line's product_id is the catalog's
// product id (its item id when the catalog has no product grouping); it is
// left out by hosts older than protocol 1.2.
//
// fulfillment_groups is present only when the agent split the checkout
// (ACP fulfillment groups, API versions 2026-01-30 and later): several
// destinations or methods in one order. Each group names its lines, its
// type (shipping, pickup, local_delivery or digital), its destination
// (the group's address, else the checkout's; absent when neither is
// known), its recipient and location_id and instructions when the agent
// gave them, the id of the fulfillment option selected for it as the
// shipping provider named it, and its fulfillment charge. Lines in no
// group are fulfilled to the top-level destination with the options in
// fulfillment_option_ids, which also lists the groups' options, as the
// checkout named them ("<group id>/<option id>"). When every line is in a
// group and the checkout has no address of its own, destination is that
// of the first group that needs one (shipping or local delivery). A
// pickup group's destination is the selected pickup location's address;
// a digital group has none.
//
// When discounts were applied to the checkout (hosts of protocol 1.3 and
// later), "discounts" lists them, each with where its amount was taken
// off: an order line (line_id) or the charge of a selected fulfillment
// option (fulfillment_option_id, as in fulfillment_option_ids). total is
// already after them; a line's total is before its share of an
// order-level discount (such as code in the example below), which shows
// only here. code is left out for an automatic promotion.
//
//	"discounts": [
//	  {"id": "spring", "code": "SPRING10", "name": "Spring 10%",
//	   "automatic": false, "amount": 300,
//	   "allocations": [{"line_id": "li_1", "amount": 300}]},
//	  {"id": "freeship", "name": "Free shipping", "automatic": true,
//	   "amount": 500,
//	   "allocations": [{"fulfillment_option_id": "standard", "amount": 500}]}
//	]
//
// When the agent told more than the cart, these members follow (each left
// out when the order has none):
//
//	"order_notes": "Leave at the back door",
//	"attribution": [
//	  {"touchpoint": "first", "provider": "impact.com", "token": "…",
//	   "publisher_id": "pub_123", "campaign_id": "…", "creative_id": "…",
//	   "sub_id": "…", "source_type": "url", "source_url": "https://…",
//	   "issued_at": "2026-02-11T10:00:00Z",
//	   "expires_at": "2026-02-11T11:00:00Z",
//	   "metadata": {"commission_rate": "0.15", "campaign_type": "\"influencer\""}}
//	],
//	"marketing_consents": [
//	  {"channel": "email", "opted_in": true, "contact": "buyer@example.com"}
//	],
//	"risk_signals": {"ip_address": "203.0.113.45", "user_agent": "…",
//	  "accept_language": "en-US", "session_id": "…",
//	  "device_fingerprint": "…"}
//
// attribution holds the first touch (reported when the checkout was
// created) and the last touch (reported at completion), each when given;
// when both name a publisher, the first valid claim wins. A touch's token
// is the provider's credential, forwarded because the store needs it to
// claim the sale: keep it out of logs. metadata values are the JSON text
// of the agent's value (a string keeps its quotes). marketing_consents
// lists only the channels the seller offers (merchant.marketing_consent_options),
// each with the contact it applies to; a channel not listed keeps the
// buyer's current subscription. The plugin logs none of these members.
//
// The intake answers 2xx when it has the order, optionally with {"order_number": "1001", "permalink_url":
// "https://shop.example/orders/1001"} (order_number may be a string or a
// number; a permalink_url that is not an absolute http(s) URL is
// ignored). The same Idempotency-Key always means the same order: the
// intake must answer a repeated key with its first answer and create no
// second order, since the plugin retries and the host may place an order
// again after a failure.
//
// A cancellation is POSTed to cancel_url, signed the same way, with
// Idempotency-Key "cancel:<order id>" and the body
//
//	{"order_id": "ord_123", "reason": "…"}
//
// The intake answers 2xx when the order is canceled (or was already), and
// 404 when it never stored the order: the host cancels an order it gave
// up waiting for at its placement deadline before it releases the
// payment, and counts a 404 as canceled. Any other 4xx refuses the
// cancel: the host then keeps the payment held and alerts the seller.
//
// A 404 is final: having heard it, the host releases the payment. So an
// intake that answered 404 to the cancel of an order id must refuse (with
// a 4xx such as 409, never a 2xx) any placement with that id that arrives
// or completes afterwards, for example one still in its own queue when the
// cancel came: it records the id as canceled when it answers the 404, and
// checks that record under the same lock or transaction that creates an
// order. Otherwise an order could be kept whose payment was voided.
//
// # Verifying the signature
//
// The intake recomputes HMAC-SHA256 over the decimal timestamp t, a '.'
// and the raw request body, with the shared secret as the key, compares
// it with v1 in constant time, and refuses a t more than a few minutes
// away from its clock, so that a captured request cannot be replayed
// later.
//
// # Retries and errors
//
// Connection errors, attempts that time out and the statuses 408, 425,
// 429 and 5xx are retried, after initial_backoff doubling each time (a
// longer Retry-After is honoured), up to max_attempts.
//
// The attempts share the call's deadline. The plugin means to answer a
// tenth of the call's time (at most 100ms) before that deadline, so that
// the host receives its failure rather than a timeout of its own. Each
// attempt may take at most timeout, and at most an equal share of the
// time left once the pauses before the remaining attempts are set aside;
// when those shares would be under 50ms the plugin plans for fewer
// attempts, the last one taking all the time left. With the host's
// default 2s deadline and the defaults above, each of the three attempts
// gets about 380ms, not 5s: raise the plugin's timeout in acp.yaml for an
// intake that answers more slowly. No retry starts, and no pause is
// taken, unless at least 50ms would be left for the attempt after it.
//
// Exhausted retries, and retries cut short by the call's deadline, fail
// the call as a retryable downstream failure with reason
// "intake_unavailable", so the host may try again later with the same
// idempotency key; when the call's context itself ended, its error stays
// wrapped in that failure (errors.Is finds it). Any other status (a 3xx,
// since redirects are not followed, or another 4xx) means the intake
// refuses the order: a downstream failure that is not retryable, with
// reason "intake_rejected". The host then releases the buyer's payment
// (it voids the authorization) and asks the agent to pay again, while a
// retryable failure keeps the payment held and the order retried until
// orders.placement_deadline (docs/payments-capture.md).
//
// The buyer's contact and address go only to the intake, never to logs.
//
// # Build
//
//	go build -o bin/ ./plugins/acp-plugin-order-forward
package main
