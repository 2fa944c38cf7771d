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
		"both placeholders": {template: "https://shop.test/go?s={checkout_session_id}&i={item_id}", session: "cs_1", item: "mug-1", want: "https://shop.test/go?s=cs_1&i=mug-1"},
		"values escaped":    {template: "https://shop.test/i/{item_id}", session: "cs_1", item: "a b&c/d:e", want: "https://shop.test/i/a%20b%26c%2Fd%3Ae"},
		"empty item":        {template: "https://shop.test/go?i={item_id}", want: "https://shop.test/go?i="},
		"no placeholder":    {template: "http://shop.test/checkout", want: "http://shop.test/checkout"},
		"empty template":    {},
		"unknown":           {template: "https://shop.test/{session}", wantErr: "unknown placeholder"},
		"relative":          {template: "/checkout/{item_id}", wantErr: "not an absolute http(s) URL"},
		"other scheme":      {template: "javascript:alert(1)", wantErr: "not an absolute http(s) URL"},
		"no host":           {template: "https:///x", wantErr: "not an absolute http(s) URL"},
		"space":             {template: "https://shop.test/a b", wantErr: "white space"},
		"angle bracket":     {template: `https://shop.test/"><script>`, wantErr: "angle brackets"},
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
