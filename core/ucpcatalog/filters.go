package ucpcatalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/acp-sidecar/acp/core/internal/jsonpath"
	"github.com/acp-sidecar/acp/core/ucp"
)

// The codes of the catalog's protocol errors and messages.
const (
	// CodeInvalidRequest is the 400 of a request the catalog cannot read:
	// not JSON, a member of the wrong type, a value out of range.
	CodeInvalidRequest = "invalid_request"
	// CodeRequestTooLarge is the 400 of a lookup of more than MaxLookupIDs
	// identifiers (rest.md, "Conformance").
	CodeRequestTooLarge = "request_too_large"
	// codeNotFound marks an identifier no product or variant has.
	codeNotFound = "not_found"
	// codeFilterIgnored marks a filter the catalog does not apply.
	codeFilterIgnored = "filter_ignored"
	// codeCapabilitiesIncompatible answers a platform that did not
	// negotiate the operation's capability.
	codeCapabilitiesIncompatible = "capabilities_incompatible"
)

// filters are a request's filters (types/search_filters.json, with the
// custom filter "available"), combined with AND, each applied to the
// variants: a product passes when one of its variants passes them all.
type filters struct {
	// categories are the category filter's paths (OR); nil: none.
	categories [][]string
	// min and max bound a variant's price; nil: unbounded.
	min, max *int64
	// available, when set, keeps the variants that can (true) or cannot
	// (false) be bought now.
	available *bool
	// key is the filters in a canonical form, for cursors.
	key string
}

// badRequest returns the 400 of a request the catalog cannot read.
func badRequest(format string, args ...any) *ucp.Error {
	return ucp.NewError(http.StatusBadRequest, CodeInvalidRequest, fmt.Sprintf(format, args...))
}

// decode reads body, a JSON object, into v; a body that is not one, or
// whose members have the wrong types, is a 400.
func decode(body []byte, v any) error {
	if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || trimmed[0] != '{' {
		return badRequest("the request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return badRequest("the request body is not valid: %s", describe(err))
	}
	if dec.More() {
		return badRequest("the request body must hold one JSON object")
	}
	return nil
}

// describe says what is wrong with a JSON document, naming the member.
func describe(err error) string {
	if te, ok := err.(*json.UnmarshalTypeError); ok && te.Field != "" {
		return fmt.Sprintf("%s must be of JSON type %s, not %s", te.Field, jsonpath.TypeName(te.Type.Kind().String()), te.Value)
	}
	return err.Error()
}

// parseFilters reads a request's filters and context for a store whose
// prices are in currency (upper-case). A filter the catalog does not
// know, and a price filter in another currency (prices are not
// converted), are ignored, each with an info message saying so.
func parseFilters(rawFilters, rawContext json.RawMessage, currency string) (filters, []message, error) {
	var f filters
	var notes []message
	var ctx requestContext
	if isSet(rawContext) {
		if err := decode(rawContext, &ctx); err != nil {
			return f, nil, badRequest("context must be an object whose currency is a string")
		}
	}
	if !isSet(rawFilters) {
		return f, nil, nil
	}
	var members map[string]json.RawMessage
	if err := decode(rawFilters, &members); err != nil {
		return f, nil, badRequest("filters must be an object")
	}
	var keys []string
	for _, name := range slices.Sorted(maps.Keys(members)) {
		raw := members[name]
		if !isSet(raw) {
			continue
		}
		switch name {
		case "categories":
			var cats []string
			if err := json.Unmarshal(raw, &cats); err != nil {
				return f, nil, badRequest("filters.categories must be an array of strings")
			}
			for _, c := range cats {
				if c = strings.TrimSpace(c); c != "" {
					f.categories = append(f.categories, categoryPath(c))
					keys = append(keys, "c="+strings.ToLower(c))
				}
			}
		case "price":
			var p struct {
				Min *int64 `json:"min"`
				Max *int64 `json:"max"`
			}
			if err := decode(raw, &p); err != nil {
				return f, nil, badRequest("filters.price must be an object whose min and max are integer amounts in minor units")
			}
			if (p.Min != nil && *p.Min < 0) || (p.Max != nil && *p.Max < 0) {
				return f, nil, badRequest("filters.price: min and max must be 0 or more")
			}
			if p.Min != nil && p.Max != nil && *p.Min > *p.Max {
				return f, nil, badRequest("filters.price: min %d is above max %d", *p.Min, *p.Max)
			}
			if ctx.Currency != "" && !strings.EqualFold(ctx.Currency, currency) {
				notes = append(notes, message{Type: "info", Code: codeFilterIgnored, Path: "$.filters.price",
					Content: fmt.Sprintf("prices are in %s and are not converted: the price filter in %s was ignored", currency, ctx.Currency)})
				continue
			}
			f.min, f.max = p.Min, p.Max
			keys = append(keys, fmt.Sprintf("p=%s-%s", bound(p.Min), bound(p.Max)))
		case "available":
			var a bool
			if err := json.Unmarshal(raw, &a); err != nil {
				return f, nil, badRequest("filters.available must be a boolean")
			}
			f.available = &a
			keys = append(keys, fmt.Sprintf("a=%v", a))
		default:
			notes = append(notes, message{Type: "info", Code: codeFilterIgnored, Path: "$.filters." + name,
				Content: fmt.Sprintf("the filter %q is not supported and was ignored", name)})
		}
	}
	f.key = strings.Join(keys, "\x00")
	return f, notes, nil
}

// isSet reports whether a member was sent with a value other than null.
func isSet(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

// bound prints a price bound for a filter's key.
func bound(b *int64) string {
	if b == nil {
		return ""
	}
	return fmt.Sprint(*b)
}

// empty reports whether f filters nothing.
func (f filters) empty() bool {
	return f.categories == nil && f.min == nil && f.max == nil && f.available == nil
}

// keeps reports whether variant i of e passes f.
func (f filters) keeps(s *snapshot, e *entry, i int) bool {
	v := e.product.Variants[i]
	if f.categories != nil && !slices.ContainsFunc(f.categories, func(want []string) bool { return inCategory(e.paths[i], want) }) {
		return false
	}
	if (f.min != nil && v.Item.UnitPrice < *f.min) || (f.max != nil && v.Item.UnitPrice > *f.max) {
		return false
	}
	if f.available != nil {
		if ok, _ := s.available(v); ok != *f.available {
			return false
		}
	}
	return true
}
