package ucpcatalog

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/acp-sidecar/acp/core/ucp"
)

// MaxLookupIDs is the most identifiers one lookup may ask for; more is a
// 400 request_too_large (lookup.md, "Batch Size").
const MaxLookupIDs = 100

// maxPerBarcode bounds the variants one barcode resolves to.
const maxPerBarcode = 10

// resolved is what a lookup found of one product: the inputs that named
// each of its variants, and the inputs that named the product itself.
type resolved struct {
	entry *entry
	// exact maps a variant's index to the identifiers naming it.
	exact map[int][]string
	// featured are the identifiers naming the product.
	featured []string
}

// readLookup reads a lookup request: its identifiers, each once, in
// request order.
func readLookup(body []byte) ([]string, *lookupRequest, error) {
	var req lookupRequest
	if err := decode(body, &req); err != nil {
		return nil, nil, err
	}
	if len(req.IDs) == 0 {
		return nil, nil, badRequest("ids must name at least one product or variant")
	}
	var ids []string
	for _, id := range req.IDs {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > MaxLookupIDs {
		return nil, nil, ucp.NewError(http.StatusBadRequest, CodeRequestTooLarge,
			fmt.Sprintf("a lookup may ask for at most %d identifiers, not %d", MaxLookupIDs, len(ids)))
	}
	return ids, &req, nil
}

// lookup resolves ids (product ids, variant ids, which are SKUs, and
// barcodes) to products in the order the ids first name them, with the
// variants passing f: for a variant id or barcode, that variant (match
// exact); for a product id, its featured variant (match featured), the
// first passing f in rank order. A product none of whose resolved
// variants passes f is left out; ids that name nothing come back as
// not_found messages.
func (s *snapshot) lookup(ids []string, f filters) ([]product, []message) {
	var order []*resolved
	byProduct := map[*entry]*resolved{}
	at := func(e *entry) *resolved {
		r := byProduct[e]
		if r == nil {
			r = &resolved{entry: e, exact: map[int][]string{}}
			byProduct[e] = r
			order = append(order, r)
		}
		return r
	}
	var notes []message
	for _, id := range ids {
		var refs []variantRef
		if ref, ok := s.variants[id]; ok {
			refs = append(refs, ref)
		} else if codes := s.codes[id]; len(codes) > 0 {
			refs = codes[:min(len(codes), maxPerBarcode)]
		}
		named := map[*entry]bool{}
		for _, ref := range refs {
			r := at(ref.entry)
			r.exact[ref.i] = append(r.exact[ref.i], id)
			named[ref.entry] = true
		}
		if e, ok := s.entries[id]; ok && !named[e] {
			at(e).featured = append(at(e).featured, id)
		} else if !ok && len(refs) == 0 {
			notes = append(notes, message{Type: "info", Code: codeNotFound, Content: id})
		}
	}
	products := []product{}
	for _, r := range order {
		if p, ok := s.resolvedProduct(r, f); ok {
			products = append(products, p)
		}
	}
	return products, notes
}

// resolvedProduct renders what a lookup found of one product: the
// featured variant first when a product id named it, then the variants
// named exactly, in listing order; each variant with its inputs. It is
// false when no variant is left after f.
func (s *snapshot) resolvedProduct(r *resolved, f filters) (product, bool) {
	inputs := map[int][]inputCorrelation{}
	var order []int
	if len(r.featured) > 0 {
		kept := s.kept(r.entry, f)
		if len(kept) > 0 {
			s.rank(r.entry, kept, nil)
			featured := kept[0]
			order = append(order, featured)
			for _, id := range r.featured {
				inputs[featured] = append(inputs[featured], inputCorrelation{ID: id, Match: matchFeatured})
			}
		}
	}
	for i := range r.entry.product.Variants {
		ids := r.exact[i]
		if len(ids) == 0 || !f.keeps(s, r.entry, i) {
			continue
		}
		if !slices.Contains(order, i) {
			order = append(order, i)
		}
		for _, id := range ids {
			inputs[i] = append(inputs[i], inputCorrelation{ID: id, Match: matchExact})
		}
	}
	if len(order) == 0 {
		return product{}, false
	}
	p := s.product(r.entry, order)
	for j, i := range order {
		p.Variants[j].Inputs = inputs[i]
	}
	return p, true
}
