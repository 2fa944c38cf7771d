package catalog

import (
	"strings"
	"testing"
)

func TestExpandContinueURL(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		template, session, item string
		want, wantErr           string
	}{
		"both placeholders":  {template: "https://shop.test/go?s={checkout_session_id}&i={item_id}", session: "cs_1", item: "mug-1", want: "https://shop.test/go?s=cs_1&i=mug-1"},
		"values escaped":     {template: "https://shop.test/i/{item_id}", session: "cs_1", item: "a b&c/d:e", want: "https://shop.test/i/a%20b%26c%2Fd%3Ae"},
		"empty item":         {template: "https://shop.test/go?i={item_id}", want: "https://shop.test/go?i="},
		"no placeholder":     {template: "http://shop.test/checkout", want: "http://shop.test/checkout"},
		"empty template":     {},
		"unknown":            {template: "https://shop.test/{session}", wantErr: "unknown placeholder"},
		"relative":           {template: "/checkout/{item_id}", wantErr: "not an absolute http(s) URL"},
		"other scheme":       {template: "javascript:alert(1)", wantErr: "not an absolute http(s) URL"},
		"no host":            {template: "https:///x", wantErr: "not an absolute http(s) URL"},
		"space":              {template: "https://shop.test/a b", wantErr: "without spaces"},
		"angle bracket":      {template: `https://shop.test/"><script>`, wantErr: "angle brackets"},
		"item in the host":   {template: "https://{item_id}/x", item: "evil.com", wantErr: "not in the scheme or host"},
		"host suffix":        {template: "https://shop.test{item_id}/x", item: ".evil.com", wantErr: "not in the scheme or host"},
		"session in user":    {template: "https://{checkout_session_id}@shop.test/x", session: "cs_1", wantErr: "not in the scheme or host"},
		"item as scheme":     {template: "{item_id}://shop.test/x", item: "https", wantErr: "not in the scheme or host"},
		"item in fragment":   {template: "https://shop.test#{item_id}", item: "mug", want: "https://shop.test#mug"},
		"backslash":          {template: `https://shop.test\evil.com/`, wantErr: "backslashes"},
		"non-ASCII":          {template: "https://shop.test/caf\u00e9", wantErr: "printable ASCII"},
		"bidi override":      {template: "https://shop.test/\u202egpj.exe", wantErr: "printable ASCII"},
		"tab":                {template: "https://shop.test/a\tb", wantErr: "printable ASCII"},
		"javascript":         {template: "javascript://shop.test/%0Aalert(1)", wantErr: "not an absolute http(s) URL"},
		"percent-encoded":    {template: "https://shop.test/caf%C3%A9?q=a|b", want: "https://shop.test/caf%C3%A9?q=a|b"},
		"at the limit":       {template: "https://shop.test/" + strings.Repeat("a", MaxContinueURLBytes-len("https://shop.test/")), want: "https://shop.test/" + strings.Repeat("a", MaxContinueURLBytes-len("https://shop.test/"))},
		"too long":           {template: "https://shop.test/" + strings.Repeat("a", MaxContinueURLBytes-len("https://shop.test/")+1), wantErr: "more than 2048"},
		"too long filled in": {template: "https://shop.test/{item_id}", item: strings.Repeat("/", MaxContinueURLBytes/3), wantErr: "more than 2048"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := ExpandContinueURL(tc.template, tc.session, tc.item)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("ExpandContinueURL() = %q, %v; want an error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ExpandContinueURL() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestCheckContinueURL: a template is checked as the host expands it,
// with a session id as long as the host's, so one that fits only with a
// shorter session id is refused.
func TestCheckContinueURL(t *testing.T) {
	t.Parallel()
	base := "https://shop.example/verify?s={checkout_session_id}&item={item_id}&pad="
	// Fits with the item id and a 28-byte session id, not a 29-byte one.
	fits := base + strings.Repeat("x", MaxContinueURLBytes-len(base)+len("{checkout_session_id}{item_id}")-28-len("sku1"))
	if _, err := ExpandContinueURL(fits, strings.Repeat("s", 28), "sku1"); err != nil {
		t.Fatalf("ExpandContinueURL with a 28-byte session id: %v", err)
	}
	for name, tc := range map[string]struct {
		template, itemID string
		ok               bool
	}{
		"empty":              {"", "", true},
		"page of the item":   {base, "sku1", true},
		"too long once real": {fits, "sku1", false},
		"placeholder host":   {"https://{item_id}.example/", "sku1", false},
		"unknown holder":     {"https://shop.example/{order_id}", "", false},
	} {
		if err := CheckContinueURL(tc.template, tc.itemID); (err == nil) != tc.ok {
			t.Errorf("%s: CheckContinueURL(%q) = %v, want ok %v", name, tc.template, err, tc.ok)
		}
	}
}
