package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// listingFormat is the version of how this plugin lists its file. It is
// in every change token, with the plugin's and the SDK's versions, so
// that an upgrade that lists the same file otherwise changes the token
// and the host lists the catalog again.
const listingFormat = "2"

// changeTokenPrefix starts every change token of this plugin.
const changeTokenPrefix = "cf2-"

// pageTokenVersion starts every page token (before its encoding): the
// version of its layout.
const pageTokenVersion = "p2"

// keepStates is how many states of the catalog the listing remembers:
// those recent listings showed, so that a listing's pages show the state
// its first page did, and a listing since a recent state lists only the
// products whose availability changed.
const keepStates = 8

// errStalePage refuses a page token of a listing that began before the
// catalog file was reloaded with other content, or whose state the plugin
// no longer remembers and the catalog is no longer in.
var errStalePage = errors.New("list products: the page token is stale: the catalog changed since the listing began; list again from the first page")

// ListProducts lists the catalog's products served in the request's
// currency, by id, a page at a time (catalog.Listing).
//
// A listing shows one state of the catalog: the file's content and what
// can be held of each stock-controlled sku when its first page was asked.
// Its change token names that state (with the listing's format, the
// plugin's and the SDK's versions, and the currency), its page tokens
// carry the token, and every page is answered from that state: from the
// state remembered, or, in a process that does not remember it (a
// restart), from the catalog as it is when that is still the same state.
// A page of a state the catalog left otherwise (the file reloaded with
// other content, or stock that moved since a restart) is refused as
// stale, and the host lists again.
//
// Asked since the current change token, the first page answers at once
// that nothing changed; since a recent token of the same content (the
// stock moved: a hold, a sale, a release, a lapsed hold), it lists only
// the products whose availability changed; since any other, the whole
// catalog. A poll with nothing changed reads no sku: the state and its
// token are remembered under the stock book's version.
func (c *fileCatalog) ListProducts(_ context.Context, req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
	cur := c.current.Load()
	if cur == nil {
		return nil, errors.New("list products: catalog not configured")
	}
	if req.PageSize < 1 {
		return nil, fmt.Errorf("list products: the page size must be at least 1, got %d", req.PageSize)
	}
	currency := acp.NormalizeCurrency(req.Currency)
	var st, since *listedState
	var after string
	if req.PageToken == "" {
		var err error
		if st, err = c.currentState(cur); err != nil {
			return nil, err
		}
		if token := c.listings.token(st, currency); req.Since == token {
			return &catalog.ListProductsResponse{Changes: true, ChangeToken: token}, nil
		}
		if since = c.listings.find(req.Since, currency); since != nil && since.content.version != cur.version {
			since = nil // other content: the whole catalog
		}
	} else {
		pt, ok := decodePageToken(req.PageToken)
		if !ok {
			return nil, errors.New("list products: the page token is not one this plugin gave")
		}
		if pt.since != "" && pt.since != req.Since {
			return nil, errors.New("list products: the page token continues a listing since another change token")
		}
		var err error
		if st, since, err = c.resume(cur, currency, pt); err != nil {
			return nil, err
		}
		after = pt.after
	}
	token := c.listings.token(st, currency)
	products := st.content.products
	index, n := func(k int) int { return k }, len(products)
	resp := &catalog.ListProductsResponse{Changes: since != nil}
	next := pageToken{token: token}
	if since != nil {
		changed := c.listings.changed(since, st, currency)
		index, n = func(k int) int { return changed[k] }, len(changed)
		next.since = c.listings.token(since, currency)
	}
	k := sort.Search(n, func(k int) bool { return products[index(k)].id > after })
	for ; k < n; k++ {
		p, ok := products[index(k)].in(currency, st.avail)
		if !ok {
			continue
		}
		if len(resp.Products) == req.PageSize {
			next.after = resp.Products[len(resp.Products)-1].ID
			resp.NextPageToken = next.encode()
			break
		}
		resp.Products = append(resp.Products, p)
	}
	if resp.NextPageToken == "" {
		resp.ChangeToken = token
	}
	return resp, nil
}

// currentState returns the state of the catalog now: cur with what can
// be held of each sku as of now, remembered while the stock book's
// version stays the same, read otherwise.
func (c *fileCatalog) currentState(cur *content) (*listedState, error) {
	v, err := c.stock.currentVersion()
	if err != nil {
		return nil, err
	}
	if st := c.listings.get(cur, v); st != nil {
		return st, nil
	}
	v, avail, err := c.stock.snapshot(cur.skus)
	if err != nil {
		return nil, err
	}
	return c.listings.put(&listedState{content: cur, stock: v, avail: avail, tokens: map[string]string{}}), nil
}

// resume returns the states a page token continues a listing in: the
// state it shows and, for a listing of changes, the state since which.
func (c *fileCatalog) resume(cur *content, currency string, pt pageToken) (st, since *listedState, err error) {
	if st = c.listings.find(pt.token, currency); st == nil {
		now, err := c.currentState(cur)
		if err != nil {
			return nil, nil, err
		}
		if c.listings.token(now, currency) == pt.token {
			st = now
		}
	}
	if st == nil || st.content.version != cur.version {
		return nil, nil, errStalePage
	}
	if pt.since != "" {
		if since = c.listings.find(pt.since, currency); since == nil || since.content.version != cur.version {
			return nil, nil, errStalePage
		}
	}
	return st, since, nil
}

// listedState is one state of the catalog a listing shows: a content,
// what could be held of each of its skus under one version of the stock
// book, and its change token in each currency asked.
type listedState struct {
	content *content
	stock   uint64
	// avail is what could be held of each of content.skus, -1 for a sku
	// whose stock is not counted.
	avail []int64
	// tokens are the state's change tokens by currency, guarded by the
	// listingCache's mu.
	tokens map[string]string
}

// changeToken names the state as listed in currency: the listing's
// format, the plugin's and the SDK's versions, the content's version, the
// currency, and what can be held of each variant listed in it.
func (s *listedState) changeToken(currency string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00", listingFormat, version, acpplugin.SDKVersion, s.content.version, currency)
	for _, p := range s.content.products {
		for _, sv := range p.variants {
			if sv.servedIn(currency) {
				fmt.Fprintf(h, "%d\x00", s.avail[sv.sku])
			}
		}
	}
	return changeTokenPrefix + hex.EncodeToString(h.Sum(nil))
}

// listingCache remembers the states recent listings showed, at most
// keepStates, and the last products found changed between two of them.
type listingCache struct {
	mu sync.Mutex
	// states are the states remembered, the least recently used first.
	states []*listedState
	// since, until and changedProducts are the last change found: the
	// indexes in the content's products of the products listed in a
	// currency whose availability differs between the states whose
	// tokens (in that currency) are since and until.
	since, until    string
	changedProducts []int
}

// get returns the state of content cur under the stock book's version v,
// when remembered.
func (l *listingCache) get(cur *content, v uint64) *listedState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.touchLocked(func(s *listedState) bool { return s.content == cur && s.stock == v })
}

// put remembers st, forgetting the least recently used state beyond
// keepStates, and returns it (or the same state, already remembered).
func (l *listingCache) put(st *listedState) *listedState {
	l.mu.Lock()
	defer l.mu.Unlock()
	if same := l.touchLocked(func(s *listedState) bool { return s.content == st.content && s.stock == st.stock }); same != nil {
		return same
	}
	l.states = append(l.states, st)
	if len(l.states) > keepStates {
		l.states = slices.Delete(l.states, 0, len(l.states)-keepStates)
	}
	return st
}

// find returns the remembered state whose change token in currency is
// token, nil when none is.
func (l *listingCache) find(token, currency string) *listedState {
	if token == "" {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.touchLocked(func(s *listedState) bool { return s.tokens[currency] == token })
}

// touchLocked returns the first remembered state match accepts, made the
// most recently used; nil when there is none.
func (l *listingCache) touchLocked(match func(*listedState) bool) *listedState {
	i := slices.IndexFunc(l.states, match)
	if i < 0 {
		return nil
	}
	st := l.states[i]
	l.states = append(slices.Delete(l.states, i, i+1), st)
	return st
}

// token returns st's change token in currency, made once.
func (l *listingCache) token(st *listedState, currency string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := st.tokens[currency]
	if !ok {
		t = st.changeToken(currency)
		st.tokens[currency] = t
	}
	return t
}

// changed returns the indexes in st's content's products, ascending, of
// the products listed in currency with a variant whose availability
// differs between since and st (states of the same content).
func (l *listingCache) changed(since, st *listedState, currency string) []int {
	from, until := l.token(since, currency), l.token(st, currency)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.since == from && l.until == until {
		return l.changedProducts
	}
	var out []int
	for i, p := range st.content.products {
		if slices.ContainsFunc(p.variants, func(sv servedVariant) bool {
			return sv.servedIn(currency) && since.avail[sv.sku] != st.avail[sv.sku]
		}) {
			out = append(out, i)
		}
	}
	l.since, l.until, l.changedProducts = from, until, out
	return out
}

// pageToken continues a listing: the change token of the state it shows,
// the token since which it lists changes ("" for a whole listing), and
// the id of the last product listed.
type pageToken struct{ token, since, after string }

// encode writes the page token as the opaque string the host passes back.
func (pt pageToken) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join([]string{pageTokenVersion, pt.token, pt.since, pt.after}, "\n")))
}

// decodePageToken reads a page token; ok is false when it is not one
// pageToken.encode made.
func decodePageToken(s string) (pt pageToken, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return pageToken{}, false
	}
	parts := strings.SplitN(string(raw), "\n", 4)
	if len(parts) != 4 || parts[0] != pageTokenVersion || !strings.HasPrefix(parts[1], changeTokenPrefix) || parts[3] == "" ||
		(parts[2] != "" && !strings.HasPrefix(parts[2], changeTokenPrefix)) {
		return pageToken{}, false
	}
	return pageToken{token: parts[1], since: parts[2], after: parts[3]}, true
}
