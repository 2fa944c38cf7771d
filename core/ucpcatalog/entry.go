package ucpcatalog

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// The weights of the fields a query word is found in: a word of a
// product's title counts most, one of its description least.
const (
	weightTitle        = 8
	weightVariant      = 4 // a variant's title or option value
	weightCategory     = 3
	weightOptionName   = 2
	weightDescription  = 1
	minPrefix          = 3 // a query word this long also matches the words it begins
	exactOverPrefix    = 2 // a word matched whole counts this many times a prefix
	maxQueryWords      = 32
	categoryPathMarker = ">"
)

// entry is one product of a snapshot, with what searching it needs,
// derived once when the product is read.
type entry struct {
	// product is the product as listed, with only the variants the
	// catalog can show: an id, not seen before in the product, and a
	// price of 0 or more.
	product catalog.Product
	// words are the product's words with the weight of the best field
	// each is in, sorted by word; variantWords each variant's own (its
	// title and option values).
	words        []weighted
	variantWords [][]weighted
	// categories are the variants' categories, each once, in order;
	// paths each variant's categories split into their path segments.
	categories []string
	paths      [][][]string
	// options are the product's option names, each with its values, in
	// the order the variants first give them.
	options []axis
}

// weighted is a word and the weight of the field it is in.
type weighted struct {
	word   string
	weight int
}

// axis is an option of a product and its values.
type axis struct {
	name   string
	values []string
}

// newEntry returns p as an entry; nil when no variant of it can be shown.
func newEntry(p catalog.Product) *entry {
	seen := map[string]bool{}
	p.Variants = slices.DeleteFunc(slices.Clone(p.Variants), func(v catalog.Variant) bool {
		drop := v.Item.ID == "" || seen[v.Item.ID] || v.Item.UnitPrice < 0
		seen[v.Item.ID] = true
		return drop
	})
	if len(p.Variants) == 0 {
		return nil
	}
	e := &entry{product: p}
	all := map[string]int{}
	add := func(into map[string]int, text string, weight int) {
		for _, w := range words(text) {
			into[w] = max(into[w], weight)
		}
	}
	add(all, p.Title, weightTitle)
	add(all, p.Description.Plain, weightDescription)
	add(all, p.Description.Markdown, weightDescription)
	for _, v := range p.Variants {
		own := map[string]int{}
		add(own, v.Item.Title, weightVariant)
		for _, o := range v.Options {
			add(own, o.Value, weightVariant)
			add(all, o.Name, weightOptionName)
			e.addOption(o)
		}
		for w, weight := range own {
			all[w] = max(all[w], weight)
		}
		e.variantWords = append(e.variantWords, sortedWords(own))
		add(all, v.Item.Description, weightDescription)
		var paths [][]string
		for _, c := range v.Item.Categories {
			paths = append(paths, categoryPath(c))
			add(all, c, weightCategory)
			if !slices.Contains(e.categories, c) {
				e.categories = append(e.categories, c)
			}
		}
		e.paths = append(e.paths, paths)
	}
	e.words = sortedWords(all)
	return e
}

// addOption records a variant's option value among e's options.
func (e *entry) addOption(o catalog.VariantOption) {
	i := slices.IndexFunc(e.options, func(a axis) bool { return a.name == o.Name })
	if i < 0 {
		e.options = append(e.options, axis{name: o.Name})
		i = len(e.options) - 1
	}
	if !slices.Contains(e.options[i].values, o.Value) {
		e.options[i].values = append(e.options[i].values, o.Value)
	}
}

// sortedWords returns the words of m with their weights, sorted by word.
func sortedWords(m map[string]int) []weighted {
	out := make([]weighted, 0, len(m))
	for w, weight := range m {
		out = append(out, weighted{w, weight})
	}
	slices.SortFunc(out, func(a, b weighted) int { return strings.Compare(a.word, b.word) })
	return out
}

// words splits text into lower-case words of letters and digits.
func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// queryWords returns a query's distinct words, at most maxQueryWords.
func queryWords(query string) []string {
	out := []string{}
	for _, w := range words(query) {
		if !slices.Contains(out, w) && len(out) < maxQueryWords {
			out = append(out, w)
		}
	}
	return out
}

// score is how well the query words q match the words ws: for each query
// word, the weight of the best field it is in, counted exactOverPrefix
// times when it is a whole word there, once when it only begins one (and
// is at least minPrefix long); 0 when no query word is found.
func score(q []string, ws []weighted) int {
	total := 0
	for _, w := range q {
		i, found := slices.BinarySearchFunc(ws, w, func(a weighted, w string) int { return strings.Compare(a.word, w) })
		best := 0
		if found {
			best = exactOverPrefix * ws[i].weight
			i++
		}
		if len(w) >= minPrefix {
			for ; i < len(ws) && strings.HasPrefix(ws[i].word, w); i++ {
				best = max(best, ws[i].weight)
			}
		}
		total += best
	}
	return total
}

// categoryPath splits a category into its lower-case path segments
// ("Footwear > Running": footwear, running).
func categoryPath(c string) []string {
	parts := strings.Split(strings.ToLower(c), categoryPathMarker)
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// inCategory reports whether a variant of categories paths (each split
// by categoryPath) is in the filter's category want: one of them is
// want, in any case, or lies under it ("Footwear > Running" is in
// "Footwear").
func inCategory(paths [][]string, want []string) bool {
	for _, path := range paths {
		if len(path) >= len(want) && slices.Equal(path[:len(want)], want) {
			return true
		}
	}
	return false
}

// byScore orders search hits: by score, best first, then by product id.
func byScore(a, b hit) int {
	return cmp.Or(cmp.Compare(b.score, a.score), strings.Compare(a.entry.product.ID, b.entry.product.ID))
}
