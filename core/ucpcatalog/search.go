package ucpcatalog

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Search's bounds.
const (
	// DefaultLimit is the page size of a search that asks for none
	// (rest.md, "Conformance").
	DefaultLimit = 10
	// MaxLimit is the largest page; a larger limit is clamped to it
	// (search.md, "Page Size").
	MaxLimit = 50
	// MaxQueryLength bounds a query, in characters.
	MaxQueryLength = 512
)

// hit is a product a search found: its entry, score and the variants
// (indexes) that pass the filters, in listing order (rank orders those
// of the hits shown).
type hit struct {
	entry    *entry
	score    int
	variants []int
}

// search is a search request as read: its query words and filters.
type search struct {
	words   []string
	filters filters
}

// fingerprint identifies what a search asks, so that a cursor is used
// only with the search it came from.
func (q search) fingerprint() string {
	sum := sha256.Sum256([]byte(strings.Join(q.words, " ") + "\x01" + q.filters.key))
	return hex.EncodeToString(sum[:8])
}

// run returns the products of s the search finds, in ranking order: the
// best score first (a browse without a query scores every product 0),
// then by product id, so that the same catalog always ranks the same.
func (s *snapshot) run(q search) []hit {
	var hits []hit
	for _, id := range s.ids {
		e := s.entries[id]
		h := hit{entry: e}
		if len(q.words) > 0 {
			if h.score = score(q.words, e.words); h.score == 0 {
				continue
			}
		}
		if h.variants = s.kept(e, q.filters); len(h.variants) == 0 {
			continue
		}
		hits = append(hits, h)
	}
	slices.SortFunc(hits, byScore)
	return hits
}

// kept returns the indexes of e's variants that pass f, in listing
// order.
func (s *snapshot) kept(e *entry, f filters) []int {
	out := make([]int, 0, len(e.product.Variants))
	for i := range e.product.Variants {
		if f.keeps(s, e, i) {
			out = append(out, i)
		}
	}
	return out
}

// rank orders variants (indexes into e's) the most relevant first: by
// how well their own words match the query words, then those that can
// be bought now, then in listing order. The first is the featured one.
func (s *snapshot) rank(e *entry, variants []int, q []string) {
	key := func(i int) (int, bool) {
		ok, _ := s.available(e.product.Variants[i])
		if len(q) == 0 {
			return 0, ok
		}
		return score(q, e.variantWords[i]), ok
	}
	slices.SortStableFunc(variants, func(a, b int) int {
		sa, oka := key(a)
		sb, okb := key(b)
		switch {
		case sa != sb:
			return sb - sa
		case oka != okb && oka:
			return -1
		case oka != okb:
			return 1
		}
		return 0
	})
}

// cursorVersion prefixes the cursors this package writes.
const cursorVersion = "c1"

// cursor returns the cursor of the page after h, the last hit of a page
// of search q: the search's fingerprint and h's place in the ranking.
func (q search) cursor(h hit) string {
	raw := strings.Join([]string{cursorVersion, q.fingerprint(), strconv.Itoa(h.score), h.entry.product.ID}, ":")
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// after returns where the page after cursor begins in hits: the first
// hit ranked after the one the cursor names (which may have left the
// catalog since), so that paging neither skips nor repeats a product
// that stays. A cursor this package did not write, or wrote for another
// search, is a 400.
func (q search) after(cursor string, hits []hit) (int, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	parts := strings.SplitN(string(raw), ":", 4)
	if err != nil || len(parts) != 4 || parts[0] != cursorVersion || !utf8.Valid(raw) {
		return 0, badRequest("pagination.cursor is not a cursor this catalog gave")
	}
	if parts[1] != q.fingerprint() {
		return 0, badRequest("pagination.cursor belongs to another search: send the query and filters of the search that gave it")
	}
	sc, err := strconv.Atoi(parts[2])
	if err != nil {
		return 0, badRequest("pagination.cursor is not a cursor this catalog gave")
	}
	last := hit{score: sc, entry: &entry{}}
	last.entry.product.ID = parts[3]
	i, _ := slices.BinarySearchFunc(hits, last, byScore)
	for i < len(hits) && byScore(hits[i], last) <= 0 {
		i++
	}
	return i, nil
}

// page returns the hits of one page of q from start, limit long, and the
// response's pagination.
func (q search) page(hits []hit, start, limit int) ([]hit, *pagination) {
	end := min(start+limit, len(hits))
	start = min(start, end)
	p := &pagination{HasNextPage: end < len(hits), TotalCount: len(hits)}
	if p.HasNextPage {
		p.Cursor = q.cursor(hits[end-1])
	}
	return hits[start:end], p
}

// pageLimit checks a requested page size and returns the one used.
func pageLimit(limit *int64) (int, error) {
	switch {
	case limit == nil:
		return DefaultLimit, nil
	case *limit < 1:
		return 0, badRequest("pagination.limit must be at least 1, not %d", *limit)
	}
	return int(min(*limit, MaxLimit)), nil
}

// readSearch reads a search request for a store in currency.
func readSearch(body []byte, currency string) (search, *searchRequest, []message, error) {
	var req searchRequest
	if err := decode(body, &req); err != nil {
		return search{}, nil, nil, err
	}
	var q search
	if req.Query != nil {
		if n := utf8.RuneCountInString(*req.Query); n > MaxQueryLength {
			return search{}, nil, nil, badRequest("query is %d characters long, more than %d", n, MaxQueryLength)
		}
		q.words = queryWords(*req.Query)
	}
	f, notes, ferr := parseFilters(req.Filters, req.Context, currency)
	if ferr != nil {
		return search{}, nil, nil, ferr
	}
	q.filters = f
	if len(q.words) == 0 && f.empty() {
		what := "a query or a filter"
		if req.Query != nil {
			what = "a query with a word in it, or a filter"
		}
		return search{}, nil, nil, badRequest("a search needs %s (query, filters.categories, filters.price or filters.available)", what)
	}
	return q, &req, notes, nil
}
