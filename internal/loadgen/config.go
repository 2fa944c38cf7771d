package loadgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults and hard limits of a run. The limits bound every run in count
// and in time, whatever the caller asks for.
const (
	// DefaultAPIVersion is the ACP version sent when Config.APIVersion is
	// empty.
	DefaultAPIVersion = "2026-04-17"
	// DefaultConcurrency is the number of simulated agents when
	// Config.Concurrency is zero.
	DefaultConcurrency = 8
	// MaxConcurrency is the largest number of simulated agents.
	MaxConcurrency = 4096
	// MaxDuration is the longest measured window; a run without a
	// duration stops there too.
	MaxDuration = time.Hour
	// MaxWarmup is the longest warm-up.
	MaxWarmup = 10 * time.Minute
	// MaxRequests is the largest number of measured requests; a run
	// without a request count stops there too. It also bounds the memory
	// the exact percentiles need (8 bytes a sample, at most twice over
	// while the report is built).
	MaxRequests = 10_000_000
	// MaxRate is the largest fixed rate, in requests per second.
	MaxRate = 1_000_000
	// DefaultTimeout is the per-request timeout when Config.Timeout is
	// zero.
	DefaultTimeout = 10 * time.Second
	// MaxTimeout is the longest per-request timeout.
	MaxTimeout = 10 * time.Minute
	// DefaultCurrency is the currency of created sessions (the demo
	// store's).
	DefaultCurrency = "usd"
	// DefaultHandler is the payment handler complete names (the demo
	// store's sandbox handler).
	DefaultHandler = "sandbox_card"
	// DefaultPaymentToken is the payment token complete sends; the
	// sandbox handler accepts any token that does not end in _decline or
	// _3ds.
	DefaultPaymentToken = "spt_load"
)

// SupportedAPIVersions are the ACP versions whose request shapes the
// generator speaks: 2026-04-17 and 2026-01-30 share them (line_items,
// currency, capabilities, flat selected_fulfillment_options and
// payment_data{handler_id, instrument}). The older versions name the items
// "items", nest the option selection and send payment_data{token,
// provider}, and are refused.
var SupportedAPIVersions = []string{"2026-04-17", "2026-01-30"}

// CreateOnlyAPIVersions are the older ACP versions a run may name when it
// sends creates alone with a body of the caller's (Config.CreateRequest):
// the generator sends that body as it is and reads only the session's id
// of the answer, so it needs none of their other request shapes.
var CreateOnlyAPIVersions = []string{"2025-12-12", "2025-09-29"}

// DefaultAddress is the delivery address update sends when Config.Address
// is empty: San Francisco, where every demo fulfillment option delivers.
var DefaultAddress = json.RawMessage(`{"name":"Ada Lovelace","line_one":"1 Market St","city":"San Francisco","state":"CA","country":"US","postal_code":"94105"}`)

// DefaultItems are the line items of created sessions when Config.Items is
// empty: two mugs and the ebook of the demo store, so that a session needs
// an address (the mugs ship) and mixes two fulfillment types.
var DefaultItems = []Item{{ID: "mug-classic", Quantity: 2}, {ID: "guide-brewing-ebook", Quantity: 1}}

// DefaultMix is the mix of flows when Config.Mix is empty.
var DefaultMix = Mix{{FlowFull, 6}, {FlowCancel, 1}, {FlowRetry, 1}, {FlowRead, 2}}

// Flow names a sequence of requests one simulated agent sends.
type Flow string

// The flows. Every POST carries a fresh Idempotency-Key, except the
// second create of FlowRetry, which reuses the first one's on purpose.
const (
	// FlowFull is create, update (fulfillment details with the address,
	// and the selected option when Config.OptionID is set), complete.
	FlowFull Flow = "full"
	// FlowCancel is create, cancel.
	FlowCancel Flow = "cancel"
	// FlowRetry is create, then the same create with the same
	// Idempotency-Key, which must be answered with the same status and
	// the same body (else the error "replay_mismatch"; a 429 or 5xx
	// answer to the second is counted by its own code, as it is no replay).
	FlowRetry Flow = "retry"
	// FlowRead is a GET of a session the agent created once, on its first
	// read flow, and reads again on every later one.
	FlowRead Flow = "read"
	// FlowCreate is a create alone: the flow to compare a server with the
	// baseline (see BaselineApp), which serves nothing else.
	FlowCreate Flow = "create"
)

// Flows lists every flow, in the order reports show them.
var Flows = []Flow{FlowFull, FlowCancel, FlowRetry, FlowRead, FlowCreate}

// Endpoint labels a request in the statistics.
type Endpoint string

// The endpoint labels.
const (
	// EndpointCreate is POST /checkout_sessions with a fresh key.
	EndpointCreate Endpoint = "create"
	// EndpointUpdate is POST /checkout_sessions/{id}.
	EndpointUpdate Endpoint = "update"
	// EndpointComplete is POST /checkout_sessions/{id}/complete.
	EndpointComplete Endpoint = "complete"
	// EndpointCancel is POST /checkout_sessions/{id}/cancel.
	EndpointCancel Endpoint = "cancel"
	// EndpointCreateReplay is POST /checkout_sessions sent again with the
	// key and body of an earlier create.
	EndpointCreateReplay Endpoint = "create_replay"
	// EndpointGet is GET /checkout_sessions/{id}.
	EndpointGet Endpoint = "get"
)

// Endpoints lists every endpoint label, in the order reports show them.
var Endpoints = []Endpoint{EndpointCreate, EndpointUpdate, EndpointComplete, EndpointCancel, EndpointCreateReplay, EndpointGet}

// FlowWeight is one flow of a Mix and its weight.
type FlowWeight struct {
	Flow   Flow
	Weight int
}

// Mix is the weighted choice of flows: each agent picks its next flow at
// random, with probability proportional to the weights.
type Mix []FlowWeight

// ParseMix parses "full=6,cancel=1,retry=1,read=2": flow names with
// non-negative integer weights, each flow at most once, whose sum is
// positive.
func ParseMix(s string) (Mix, error) {
	var m Mix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, weight, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("mix %q: want FLOW=WEIGHT, e.g. full=6,cancel=1", part)
		}
		f := Flow(strings.TrimSpace(name))
		if !slices.Contains(Flows, f) {
			return nil, fmt.Errorf("mix %q: unknown flow %q (want one of %s)", part, f, flowNames())
		}
		w, err := strconv.Atoi(strings.TrimSpace(weight))
		if err != nil || w < 0 || w > 1000 {
			return nil, fmt.Errorf("mix %q: the weight must be an integer from 0 to 1000", part)
		}
		if slices.ContainsFunc(m, func(fw FlowWeight) bool { return fw.Flow == f }) {
			return nil, fmt.Errorf("mix: flow %q given twice", f)
		}
		m = append(m, FlowWeight{f, w})
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// String formats the mix as ParseMix reads it.
func (m Mix) String() string {
	parts := make([]string, len(m))
	for i, fw := range m {
		parts[i] = fmt.Sprintf("%s=%d", fw.Flow, fw.Weight)
	}
	return strings.Join(parts, ",")
}

func (m Mix) validate() error {
	total := 0
	for _, fw := range m {
		if !slices.Contains(Flows, fw.Flow) {
			return fmt.Errorf("mix: unknown flow %q (want one of %s)", fw.Flow, flowNames())
		}
		if fw.Weight < 0 {
			return fmt.Errorf("mix: flow %q has a negative weight", fw.Flow)
		}
		total += fw.Weight
	}
	if total == 0 {
		return errors.New("mix: the weights must add up to more than zero")
	}
	return nil
}

func flowNames() string {
	names := make([]string, len(Flows))
	for i, f := range Flows {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// Item is a line item of the created sessions: a catalog item id and a
// quantity.
type Item struct {
	ID       string
	Quantity int
}

// ParseItems parses "mug-classic:2,guide-brewing-ebook:1": item ids, each
// with an optional quantity (default 1) from 1 to 1,000,000.
func ParseItems(s string) ([]Item, error) {
	var items []Item
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, qty, hasQty := strings.Cut(part, ":")
		it := Item{ID: strings.TrimSpace(id), Quantity: 1}
		if hasQty {
			n, err := strconv.Atoi(strings.TrimSpace(qty))
			if err != nil || n < 1 || n > 1_000_000 {
				return nil, fmt.Errorf("items %q: the quantity must be an integer from 1 to 1000000", part)
			}
			it.Quantity = n
		}
		if it.ID == "" {
			return nil, fmt.Errorf("items %q: want ID or ID:QUANTITY, e.g. mug-classic:2", part)
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil, errors.New("items: name at least one item, e.g. mug-classic:2")
	}
	return items, nil
}

// FormatItems formats items as ParseItems reads them.
func FormatItems(items []Item) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = fmt.Sprintf("%s:%d", it.ID, it.Quantity)
	}
	return strings.Join(parts, ",")
}

// Config describes a run. The zero value of every field but Target means
// its default; a run needs Duration, Requests or both.
type Config struct {
	// Target is the server's base URL (http or https, with an optional
	// path prefix): requests go to Target + "/checkout_sessions...", and
	// to no other host. Redirects are not followed.
	Target string
	// Token is the agent's bearer token; empty sends no Authorization
	// header (as for the baseline, which has no authentication).
	Token string
	// APIVersion is the API-Version header: one of SupportedAPIVersions
	// (default DefaultAPIVersion).
	APIVersion string
	// Concurrency is the number of simulated agents, each with one request
	// in flight at a time (default DefaultConcurrency, at most
	// MaxConcurrency).
	Concurrency int
	// Duration is the measured window, after Warmup (at most, and when
	// zero, MaxDuration).
	Duration time.Duration
	// Requests is the number of measured requests after which the run
	// stops (at most, and when zero, MaxRequests).
	Requests int64
	// Rate is the overall rate in requests per second, 0 for as fast as
	// the agents can go (closed loop). At a fixed rate the run is open
	// loop: requests are due on a shared schedule and their latency runs
	// from when they were due, so that a slow server is not measured
	// kindly because the agents waited for it (coordinated omission).
	Rate float64
	// Warmup is sent before the measured window and not recorded (at most
	// MaxWarmup).
	Warmup time.Duration
	// Mix is the weighted choice of flows (default DefaultMix).
	Mix Mix
	// Items are the line items of created sessions (default DefaultItems).
	Items []Item
	// Currency is the currency of created sessions (default
	// DefaultCurrency).
	Currency string
	// Address is the JSON address update sends in fulfillment_details
	// (default DefaultAddress).
	Address json.RawMessage
	// OptionID is the fulfillment option update selects; empty keeps the
	// server's default selection.
	OptionID string
	// Handler is the payment handler id complete names (default
	// DefaultHandler).
	Handler string
	// PaymentToken is the token complete sends (default
	// DefaultPaymentToken).
	PaymentToken string
	// Timeout bounds each request (default DefaultTimeout, at most
	// MaxTimeout).
	Timeout time.Duration
	// CreateRequest, when set, is the body of every create instead of the
	// one built from Items and Currency: a JSON object, sent as it is
	// (compacted). A run with it sends creates alone (a Mix of FlowCreate
	// only) and may name one of CreateOnlyAPIVersions, so that a server of
	// another shape of request, such as a peer's, is measured on its own
	// request.
	CreateRequest json.RawMessage
}

// WithDefaults validates c and returns it with its defaults filled in
// (Run does the same), so that a caller can show what will run.
func (c Config) WithDefaults() (Config, error) {
	u, err := url.Parse(c.Target)
	switch {
	case c.Target == "":
		return c, errors.New("target: a base URL such as http://127.0.0.1:8080 is required")
	case err != nil, u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return c, fmt.Errorf("target %q: want an http or https base URL such as http://127.0.0.1:8080", c.Target)
	case u.User != nil, u.RawQuery != "", u.Fragment != "":
		return c, fmt.Errorf("target %q: a base URL has no user, query or fragment", c.Target)
	}
	c.Target = strings.TrimSuffix(u.String(), "/")

	for _, ch := range []byte(c.Token) {
		if ch <= ' ' || ch >= 0x7f {
			return c, errors.New("token: a bearer token is printable ASCII without spaces")
		}
	}
	if c.APIVersion == "" {
		c.APIVersion = DefaultAPIVersion
	}
	custom := len(c.CreateRequest) > 0
	if !slices.Contains(SupportedAPIVersions, c.APIVersion) && !(custom && slices.Contains(CreateOnlyAPIVersions, c.APIVersion)) {
		return c, fmt.Errorf("API version %q: the load generator speaks %s only (older versions use other request shapes: items, nested selected_fulfillment_options, payment_data{token, provider})",
			c.APIVersion, strings.Join(SupportedAPIVersions, " and "))
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Concurrency < 1 || c.Concurrency > MaxConcurrency {
		return c, fmt.Errorf("concurrency %d: want 1 to %d agents", c.Concurrency, MaxConcurrency)
	}
	switch {
	case c.Duration < 0 || c.Duration > MaxDuration:
		return c, fmt.Errorf("duration %s: want at most %s", c.Duration, MaxDuration)
	case c.Requests < 0 || c.Requests > MaxRequests:
		return c, fmt.Errorf("requests %d: want at most %d", c.Requests, MaxRequests)
	case c.Duration == 0 && c.Requests == 0:
		return c, errors.New("set a duration, a number of requests or both: the run stops at whichever comes first")
	case c.Rate < 0 || c.Rate > MaxRate:
		return c, fmt.Errorf("rate %g: want 0 (as fast as possible) to %d requests per second", c.Rate, MaxRate)
	case c.Warmup < 0 || c.Warmup > MaxWarmup:
		return c, fmt.Errorf("warmup %s: want at most %s", c.Warmup, MaxWarmup)
	case c.Timeout < 0 || c.Timeout > MaxTimeout:
		return c, fmt.Errorf("timeout %s: want at most %s", c.Timeout, MaxTimeout)
	}
	if c.Duration == 0 {
		c.Duration = MaxDuration
	}
	if c.Requests == 0 {
		c.Requests = MaxRequests
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if len(c.Mix) == 0 {
		c.Mix = DefaultMix
	}
	if err := c.Mix.validate(); err != nil {
		return c, err
	}
	if custom {
		if len(c.Mix) != 1 || c.Mix[0].Flow != FlowCreate {
			return c, fmt.Errorf("create request: a run with its own create body sends creates alone (mix %s), not %s", FlowCreate, c.Mix)
		}
		var obj map[string]any
		if err := json.Unmarshal(c.CreateRequest, &obj); err != nil || obj == nil {
			return c, errors.New("create request: want a JSON object")
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, c.CreateRequest); err != nil {
			return c, fmt.Errorf("create request: %w", err)
		}
		c.CreateRequest = compact.Bytes()
	}
	if len(c.Items) == 0 {
		c.Items = DefaultItems
	}
	for _, it := range c.Items {
		if it.ID == "" || it.Quantity < 1 {
			return c, fmt.Errorf("items: %q x%d: want an id and a quantity of at least 1", it.ID, it.Quantity)
		}
	}
	if c.Currency == "" {
		c.Currency = DefaultCurrency
	}
	if len(c.Address) == 0 {
		c.Address = DefaultAddress
	}
	var addr map[string]any
	if err := json.Unmarshal(c.Address, &addr); err != nil || addr == nil {
		return c, fmt.Errorf("address: want a JSON object such as %s", DefaultAddress)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, c.Address); err != nil {
		return c, fmt.Errorf("address: %w", err)
	}
	c.Address = compact.Bytes()
	if c.Handler == "" {
		c.Handler = DefaultHandler
	}
	if c.PaymentToken == "" {
		c.PaymentToken = DefaultPaymentToken
	}
	return c, nil
}
