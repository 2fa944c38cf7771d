package ucpcatalog

import (
	"slices"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// readProduct reads a get_product request: the identifier, and the
// selections, each option named once.
func readProduct(body []byte) (*productRequest, error) {
	var req productRequest
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if req.ID == nil || *req.ID == "" {
		return nil, badRequest("id must name a product or a variant")
	}
	seen := map[string]bool{}
	for i, sel := range req.Selected {
		switch {
		case sel.Name == "" || sel.Label == "":
			return nil, badRequest("selected[%d] needs a name and a label", i)
		case seen[sel.Name]:
			return nil, badRequest("selected names the option %q more than once", sel.Name)
		}
		seen[sel.Name] = true
	}
	return &req, nil
}

// selection is a set of option choices: option name to value.
type selection map[string]string

// matches reports whether v has every choice of sel.
func (sel selection) matches(v catalog.Variant) bool {
	for name, value := range sel {
		if !slices.ContainsFunc(v.Options, func(o catalog.VariantOption) bool { return o.Name == name && o.Value == value }) {
			return false
		}
	}
	return true
}

// matching returns the indexes of e's variants that match sel.
func (e *entry) matching(sel selection) []int {
	var out []int
	for i, v := range e.product.Variants {
		if sel.matches(v) {
			out = append(out, i)
		}
	}
	return out
}

// relax returns the selections of the request that some variant of e
// matches: all of them when one does, else fewer, dropping first the
// options preferences does not name (the last selected first), then
// those it names from its end (lookup.md, "Option Selection").
func (e *entry) relax(selected []selectedOption, preferences []string) selection {
	priority := slices.Clone(preferences)
	priority = slices.DeleteFunc(priority, func(name string) bool {
		return !slices.ContainsFunc(selected, func(s selectedOption) bool { return s.Name == name })
	})
	for _, s := range selected {
		if !slices.Contains(priority, s.Name) {
			priority = append(priority, s.Name)
		}
	}
	sel := selection{}
	for _, s := range selected {
		sel[s.Name] = s.Label
	}
	for len(sel) > 0 && len(e.matching(sel)) == 0 {
		last := priority[len(priority)-1]
		priority = priority[:len(priority)-1]
		delete(sel, last)
	}
	return sel
}

// detail returns get_product's answer for id, a product or variant id,
// with the request's selections and filters; false when id names
// neither, or every variant the selection leaves fails the filters.
func (s *snapshot) detail(req *productRequest, f filters) (product, bool) {
	id := *req.ID
	var e *entry
	var sel selection
	var requested = -1
	if ref, ok := s.variants[id]; ok {
		// A variant id fixes the selection: its own options.
		e, requested = ref.entry, ref.i
		sel = selection{}
		for _, o := range e.product.Variants[ref.i].Options {
			sel[o.Name] = o.Value
		}
	} else if e, ok = s.entries[id]; !ok {
		return product{}, false
	}
	if sel == nil && len(req.Selected) > 0 {
		sel = e.relax(req.Selected, req.Preferences)
	}
	if sel == nil {
		// The featured variant's selections.
		all := s.kept(e, filters{})
		s.rank(e, all, nil)
		sel = selection{}
		for _, o := range e.product.Variants[all[0]].Options {
			sel[o.Name] = o.Value
		}
	}
	variants := slices.DeleteFunc(e.matching(sel), func(i int) bool { return !f.keeps(s, e, i) })
	if len(variants) == 0 {
		return product{}, false
	}
	s.rank(e, variants, nil)
	if j := slices.Index(variants, requested); j > 0 {
		variants = append([]int{requested}, slices.Delete(variants, j, j+1)...)
	}
	out := s.product(e, variants)
	if len(e.options) == 0 {
		return out, true
	}
	selected := []selectedOption{}
	for _, a := range e.options {
		if value, ok := sel[a.name]; ok {
			selected = append(selected, selectedOption{Name: a.name, Label: value})
		}
	}
	out.Selected = &selected
	for k, a := range e.options {
		for j, value := range a.values {
			exists, available := s.signal(e, sel, a.name, value)
			out.Options[k].Values[j].Exists, out.Options[k].Values[j].Available = &exists, &available
		}
	}
	return out, true
}

// signal returns whether a variant of e with the value of option name,
// and the other options of sel, exists, and whether one can be bought
// now (lookup.md, "Output: Availability Signals").
func (s *snapshot) signal(e *entry, sel selection, name, value string) (exists, available bool) {
	other := selection{name: value}
	for n, v := range sel {
		if n != name {
			other[n] = v
		}
	}
	for _, i := range e.matching(other) {
		exists = true
		if ok, _ := s.available(e.product.Variants[i]); ok {
			return true, true
		}
	}
	return exists, false
}
