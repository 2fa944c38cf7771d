package ucpcatalog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/acp-sidecar/acp/core/ucp"
)

// Operations returns the catalog operations of the capabilities offered
// says are offered, by operation name: search_catalog for
// dev.ucp.shopping.catalog.search; lookup_catalog and get_product for
// dev.ucp.shopping.catalog.lookup (rest.md: both when lookup is offered).
func (x *Index) Operations(offered func(capability string) bool) map[string]ucp.Operation {
	ops := map[string]ucp.Operation{}
	if offered(ucp.CapCatalogSearch) {
		ops[ucp.OpSearchCatalog] = x.Search
	}
	if offered(ucp.CapCatalogLookup) {
		ops[ucp.OpLookupCatalog] = x.Lookup
		ops[ucp.OpGetProduct] = x.Product
	}
	return ops
}

// Search is the search_catalog operation (a ucp.Operation): the products
// matching the request's query and filters, a page at a time.
func (x *Index) Search(ctx context.Context, call *ucp.Call) (int, []byte, error) {
	env, ok := x.envelope(call, ucp.CapCatalogSearch)
	if !ok {
		return reply(searchResponse{UCP: env, Products: []product{}, Messages: []message{incompatible(ucp.CapCatalogSearch)}})
	}
	s, err := x.snapshot(ctx)
	if err != nil {
		return 0, nil, err
	}
	q, req, notes, err := readSearch(call.Body, s.currency)
	if err != nil {
		return 0, nil, err
	}
	var limitReq *int64
	var cursor string
	if req.Pagination != nil {
		limitReq = req.Pagination.Limit
		if req.Pagination.Cursor != nil {
			cursor = *req.Pagination.Cursor
		}
	}
	limit, err := pageLimit(limitReq)
	if err != nil {
		return 0, nil, err
	}
	hits := s.run(q)
	start := 0
	if cursor != "" {
		if start, err = q.after(cursor, hits); err != nil {
			return 0, nil, err
		}
	}
	page, p := q.page(hits, start, limit)
	resp := searchResponse{UCP: env, Products: make([]product, 0, len(page)), Pagination: p, Messages: notes}
	for _, h := range page {
		s.rank(h.entry, h.variants, q.words)
		resp.Products = append(resp.Products, s.product(h.entry, h.variants))
	}
	return reply(resp)
}

// Lookup is the lookup_catalog operation (a ucp.Operation): the
// products the request's identifiers name.
func (x *Index) Lookup(ctx context.Context, call *ucp.Call) (int, []byte, error) {
	env, ok := x.envelope(call, ucp.CapCatalogLookup)
	if !ok {
		return reply(lookupResponse{UCP: env, Products: []product{}, Messages: []message{incompatible(ucp.CapCatalogLookup)}})
	}
	s, err := x.snapshot(ctx)
	if err != nil {
		return 0, nil, err
	}
	ids, req, err := readLookup(call.Body)
	if err != nil {
		return 0, nil, err
	}
	f, notes, err := parseFilters(req.Filters, req.Context, s.currency)
	if err != nil {
		return 0, nil, err
	}
	products, missing := s.lookup(ids, f)
	return reply(lookupResponse{UCP: env, Products: products, Messages: append(notes, missing...)})
}

// Product is the get_product operation (a ucp.Operation): one product's
// detail, with its variants narrowed by the request's selections. An
// identifier that names no product or variant (or whose variants the
// filters all exclude) is answered 200 with ucp.status "error" and an
// unrecoverable not_found message (rest.md, "Product Not Found").
func (x *Index) Product(ctx context.Context, call *ucp.Call) (int, []byte, error) {
	env, ok := x.envelope(call, ucp.CapCatalogLookup)
	if !ok {
		return reply(errorResponse{UCP: env, Messages: []message{incompatible(ucp.CapCatalogLookup)}})
	}
	s, err := x.snapshot(ctx)
	if err != nil {
		return 0, nil, err
	}
	req, err := readProduct(call.Body)
	if err != nil {
		return 0, nil, err
	}
	f, notes, err := parseFilters(req.Filters, req.Context, s.currency)
	if err != nil {
		return 0, nil, err
	}
	p, found := s.detail(req, f)
	if !found {
		env.Status = "error"
		return reply(errorResponse{UCP: env, Messages: []message{{
			Type: "error", Code: codeNotFound, Content: "Product not found: " + *req.ID, Severity: "unrecoverable",
		}}})
	}
	return reply(productResponse{UCP: env, Product: p, Messages: notes})
}

// envelope returns the ucp member of a response to call for capability:
// the version negotiated with the platform (the release served when the
// call has no platform) and the capability at its negotiated version. It
// is false, with the envelope's status "error" and no capability, when
// the platform did not negotiate the capability.
func (x *Index) envelope(call *ucp.Call, capability string) (envelope, bool) {
	version, capVersion := ucp.Version, ucp.Version
	if p := call.Platform; p != nil {
		if p.Version != "" {
			version = p.Version
		}
		if v := p.Capabilities[capability]; v != "" {
			capVersion = v
		}
	}
	if call.Platform != nil && !call.Platform.Has(capability) {
		return envelope{Version: version, Status: "error", Capabilities: map[string][]capabilityVersion{}}, false
	}
	return envelope{Version: version, Capabilities: map[string][]capabilityVersion{capability: {{Version: capVersion}}}}, true
}

// incompatible is the message of a call whose platform did not
// negotiate capability.
func incompatible(capability string) message {
	return message{Type: "error", Code: codeCapabilitiesIncompatible, Severity: "unrecoverable",
		Content: fmt.Sprintf("the platform's profile does not support %s, which this operation needs", capability)}
}

// reply encodes a 200 response.
func reply(v any) (int, []byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // catalog texts hold '>', '&': sent as they are
	if err := enc.Encode(v); err != nil {
		return 0, nil, fmt.Errorf("ucp catalog: encode the response: %w", err)
	}
	return http.StatusOK, bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
