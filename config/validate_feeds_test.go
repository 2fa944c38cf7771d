package config

import (
	"slices"
	"strings"
	"testing"
)

// TestFeedURLRules checks a feed target's URL with and without
// feed_publishing.allow_private_networks: https to a public host always,
// plain http only to a loopback host, and an internal host only when
// private networks are allowed, with the webhook rule's reading of every
// spelling of an address.
func TestFeedURLRules(t *testing.T) {
	t.Parallel()
	const (
		internal = "is an internal address (loopback, private, link-local or reserved); set feed_publishing.allow_private_networks to allow it"
		https    = "must be https (plain http only to a loopback host"
	)
	for url, want := range map[string]struct{ public, private string }{
		"https://feeds.example.com/acp":   {},
		"https://feeds.example.com./acp":  {},
		"https://8.8.8.8/acp":             {},
		"http://127.0.0.1:9090/acp":       {public: internal},
		"http://127.8.9.10/acp":           {public: internal},
		"http://[::1]:9090/acp":           {public: internal},
		"http://localhost:9090/acp":       {public: internal},
		"http://LOCALHOST/acp":            {public: internal},
		"https://localhost/acp":           {public: internal},
		"https://127.1/acp":               {public: internal},
		"https://10.0.0.8/acp":            {public: internal},
		"https://169.254.169.254./latest": {public: internal},
		"https://１２７。０。０。１/":              {public: internal},
		"http://feeds.example.com/acp":    {public: https, private: https},
		"http://10.0.0.8/acp":             {public: https, private: https},
		"http://127.1/acp":                {public: https, private: https},
		"http://localhost./acp":           {public: https, private: https},
		"https://134744072/acp":           {public: "write it as 8.8.8.8"},
		"https://a:b@feeds.example.com/":  {public: "user information", private: "user information"},
		"https://feeds.example.com/?":     {public: "must not have a query", private: "must not have a query"},
		"https://feeds.example.com/?a=1":  {public: "must not have a query", private: "must not have a query"},
		"https://feeds.example.com/#":     {public: "must not have a fragment", private: "must not have a fragment"},
		"https://feeds.example.com/#top":  {public: "must not have a fragment", private: "must not have a fragment"},
		"ftp://feeds.example.com/":        {public: "absolute http:// or https://", private: "absolute http:// or https://"},
		"":                                {public: "is required", private: "is required"},
		"https://feeds.example.com:443/":  {},
		"https://feeds.example.com:0/":    {public: "not a number from 1 to 65535", private: "not a number from 1 to 65535"},
		"https://feeds.example.com:65536": {public: "not a number from 1 to 65535", private: "not a number from 1 to 65535"},
	} {
		for _, tc := range []struct {
			allowPrivate bool
			want         string
		}{{false, want.public}, {true, want.private}} {
			got := checkFeedURL(url, tc.allowPrivate)
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("checkFeedURL(%q, allow_private_networks %v) = %q, want %q", url, tc.allowPrivate, got, tc.want)
			}
		}
	}
}

// TestCatalogAllItems checks that every SKU for sale is listed once:
// the flat items, then each product's variants, in file order.
func TestCatalogAllItems(t *testing.T) {
	t.Parallel()
	cat := Catalog{
		Items: []CatalogItem{{SKU: "a"}, {SKU: "b"}},
		Products: []CatalogProduct{
			{ID: "p", Variants: []CatalogItem{{SKU: "p-1"}, {SKU: "p-2"}}},
			{ID: "q", Variants: []CatalogItem{{SKU: "q-1"}}},
		},
	}
	var got []string
	for _, it := range cat.AllItems() {
		got = append(got, it.SKU)
	}
	if want := []string{"a", "b", "p-1", "p-2", "q-1"}; !slices.Equal(got, want) {
		t.Errorf("AllItems() = %v, want %v", got, want)
	}
}

// TestFeedFilterProductIDs checks a feed filter's product ids and
// categories against the built-in catalog's products (a product's id or a
// flat item's sku; a variant's categories, or its product's when it names
// none) while it serves, and not while a plugin serves the catalog, which
// knows its own.
func TestFeedFilterProductIDs(t *testing.T) {
	t.Parallel()
	cat := Catalog{Items: []CatalogItem{{SKU: "widget", Categories: []string{"tools"}}}, Products: []CatalogProduct{
		{ID: "tee", Categories: []string{"apparel"}, Variants: []CatalogItem{{SKU: "tee-red"}}},
		{ID: "mug", Categories: []string{"kitchen"}, Variants: []CatalogItem{{SKU: "mug-1", Categories: []string{"drinkware"}}}},
	}}
	feed := Feed{Name: "shop", URL: "https://feeds.example.com/acp", TokenEnv: "T", Header: DefaultFeedHeader, TargetCountry: "US", Mode: FeedModeUpsert,
		Filter: FeedFilter{ProductIDs: []string{"widget", "tee", "tee-red"}, ExcludeProductIDs: []string{"gone"},
			Categories: []string{"tools", "apparel", "drinkware", "kitchen", "aparel"}}}
	for provider, want := range map[string][]string{
		Builtin:   {"feeds[0].filter.categories[3]", "feeds[0].filter.categories[4]", "feeds[0].filter.product_ids[2]", "feeds[0].filter.exclude_product_ids[0]"},
		"":        {"feeds[0].filter.categories[3]", "feeds[0].filter.categories[4]", "feeds[0].filter.product_ids[2]", "feeds[0].filter.exclude_product_ids[0]"},
		"shopify": nil,
	} {
		c := Config{Catalog: cat, Feeds: []Feed{feed}, Capabilities: Capabilities{Catalog: provider}}
		var ps problems
		c.validateFeeds(&ps)
		var got []string
		for _, p := range ps.list {
			got = append(got, p.Path)
		}
		if !slices.Equal(got, want) {
			t.Errorf("catalog served by %q: problems at %v, want %v (%v)", provider, got, want, ps.list)
		}
	}
}

// TestFeedDefaults checks that a feed's header is written in canonical
// form, so that "authorization" carries "Bearer <token>" as the default
// does, and that its URL loses its trailing "/"s, so that requests do not
// go to "//feeds".
func TestFeedDefaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ header, url, wantHeader, wantURL string }{
		{"", "https://feeds.example.com/acp", DefaultFeedHeader, "https://feeds.example.com/acp"},
		{"authorization", "https://feeds.example.com/acp/", DefaultFeedHeader, "https://feeds.example.com/acp"},
		{"x-api-KEY", "https://feeds.example.com//", "X-Api-Key", "https://feeds.example.com"},
		{"Bad Header", "https://feeds.example.com", "Bad Header", "https://feeds.example.com"},
	} {
		f := Feed{Header: tc.header, URL: tc.url}
		f.setDefaults()
		if f.Header != tc.wantHeader || f.URL != tc.wantURL {
			t.Errorf("setDefaults(header %q, url %q) = %q, %q; want %q, %q", tc.header, tc.url, f.Header, f.URL, tc.wantHeader, tc.wantURL)
		}
	}
}
