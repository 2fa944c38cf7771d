package ucpcatalog

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// inputs summarizes a lookup's products: each product id with its
// variants, each as "variant<-id/match,…".
func inputs(t *testing.T, m map[string]any) []string {
	t.Helper()
	var out []string
	for _, p := range m["products"].([]any) {
		pm := p.(map[string]any)
		var vs []string
		for _, v := range pm["variants"].([]any) {
			vm := v.(map[string]any)
			var in []string
			for _, i := range vm["inputs"].([]any) {
				im := i.(map[string]any)
				in = append(in, im["id"].(string)+"/"+im["match"].(string))
			}
			vs = append(vs, vm["id"].(string)+"<-"+strings.Join(in, ","))
		}
		out = append(out, pm["id"].(string)+": "+strings.Join(vs, " "))
	}
	return out
}

// notFound returns the contents of a response's not_found messages.
func notFound(m map[string]any) []string {
	var out []string
	msgs, _ := m["messages"].([]any)
	for _, msg := range msgs {
		mm := msg.(map[string]any)
		if mm["code"] == "not_found" && mm["type"] == "info" {
			out = append(out, mm["content"].(string))
		}
	}
	return out
}

// TestLookup: identifiers resolve to products in the order they first
// name them, each product once: a product id to its featured variant, a
// variant id (its SKU) or barcode to that variant, each variant with
// the identifiers that named it; unknown ones come back as not_found
// info messages; filters apply after resolution.
func TestLookup(t *testing.T) {
	t.Parallel()
	f := newFixture(t, shop()...)
	tests := map[string]struct {
		body         string
		want         []string
		wantNotFound []string
	}{
		"mixed known and unknown": {
			body:         `{"ids":["trail","nope","runner-Red-10","prod_invalid"]}`,
			want:         []string{"trail: trail-10<-trail/featured", "runner: runner-Red-10<-runner-Red-10/exact"},
			wantNotFound: []string{"nope", "prod_invalid"},
		},
		"a product and its variants": {
			body: `{"ids":["runner-Red-10","runner","runner-Blue-10"]}`,
			want: []string{"runner: runner-Blue-10<-runner/featured,runner-Blue-10/exact runner-Red-10<-runner-Red-10/exact"},
		},
		"duplicates once": {
			body: `{"ids":["mug","mug","trail","mug"]}`,
			want: []string{"mug: mug<-mug/exact", "trail: trail-10<-trail/featured"},
		},
		"a barcode": {
			body: `{"ids":["012345678905"]}`,
			want: []string{"mug: mug<-012345678905/exact"},
		},
		"all unknown": {
			body:         `{"ids":["prod_invalid1","prod_invalid2"]}`,
			want:         nil,
			wantNotFound: []string{"prod_invalid1", "prod_invalid2"},
		},
		"a sold-out variant by id": {
			body: `{"ids":["runner-Green-10"]}`,
			want: []string{"runner: runner-Green-10<-runner-Green-10/exact"},
		},
		"the filter excludes a product": {
			body: `{"ids":["trail","mug"],"filters":{"price":{"max":2000}}}`,
			want: []string{"mug: mug<-mug/exact"},
		},
		"the filter picks the featured variant": {
			body: `{"ids":["runner"],"filters":{"price":{"min":13000}}}`,
			want: []string{"runner: runner-Blue-12<-runner/featured"},
		},
		"the filter drops a variant named": {
			body: `{"ids":["runner-Green-10","runner-Red-10"],"filters":{"available":true}}`,
			want: []string{"runner: runner-Red-10<-runner-Red-10/exact"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := f.ok(t, "lookup_catalog", tc.body)
			if got := inputs(t, m); !slices.Equal(got, tc.want) {
				t.Errorf("products\n%q\nwant\n%q", got, tc.want)
			}
			if got := notFound(m); !slices.Equal(got, tc.wantNotFound) {
				t.Errorf("not found %q, want %q", got, tc.wantNotFound)
			}
		})
	}
}

// TestLookupBadInput: a lookup without ids, or with more than
// MaxLookupIDs, is a 400.
func TestLookupBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, shop()...)
	many := make([]string, MaxLookupIDs+1)
	for i := range many {
		many[i] = fmt.Sprintf("%q", fmt.Sprint("id", i))
	}
	tests := map[string]struct{ body, code, want string }{
		"no ids":          {`{}`, CodeInvalidRequest, "at least one"},
		"empty ids":       {`{"ids":[]}`, CodeInvalidRequest, "at least one"},
		"ids not strings": {`{"ids":[1]}`, CodeInvalidRequest, "ids must be of JSON type string"},
		"too many":        {`{"ids":[` + strings.Join(many, ",") + `]}`, CodeRequestTooLarge, "at most 100"},
		"a bad filter":    {`{"ids":["mug"],"filters":{"price":{"min":"1"}}}`, CodeInvalidRequest, "integer"},
		"not JSON":        {`ids=mug`, CodeInvalidRequest, "JSON object"},
		"a bad context":   {`{"ids":["mug"],"context":{"currency":1}}`, CodeInvalidRequest, "currency is a string"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			status, _, err := f.call(t, "lookup_catalog", tc.body, nil)
			if err == nil || status != http.StatusBadRequest || err.Code != tc.code || !strings.Contains(err.Content, tc.want) {
				t.Errorf("= %d, %v; want a 400 %s saying %q", status, err, tc.code, tc.want)
			}
		})
	}
	// Exactly the most is fine, duplicates counted once.
	dup := strings.Repeat(`"mug",`, MaxLookupIDs+5)
	if status, _, err := f.call(t, "lookup_catalog", `{"ids":[`+strings.Join(many[:MaxLookupIDs-1], ",")+","+dup+`"mug"]}`, nil); err != nil || status != http.StatusOK {
		t.Errorf("a lookup of %d distinct ids = %d, %v", MaxLookupIDs, status, err)
	}
}
