package ucpcatalog

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// signals summarizes a detail product's options: "Name: label(ae) …"
// with a for available and e for exists.
func signals(t *testing.T, p map[string]any) string {
	t.Helper()
	var parts []string
	for _, o := range p["options"].([]any) {
		om := o.(map[string]any)
		var vals []string
		for _, v := range om["values"].([]any) {
			vm := v.(map[string]any)
			flags := ""
			if vm["available"] == true {
				flags += "a"
			}
			if vm["exists"] == true {
				flags += "e"
			}
			vals = append(vals, vm["label"].(string)+"("+flags+")")
		}
		parts = append(parts, om["name"].(string)+": "+strings.Join(vals, " "))
	}
	return strings.Join(parts, "; ")
}

// TestGetProduct: get_product returns one product with its effective
// selections (relaxed by preferences), the variants matching them (a
// variant asked for by id first) and availability signals on option
// values relative to the selections (lookup.md, "Option Selection").
func TestGetProduct(t *testing.T) {
	t.Parallel()
	f := newFixture(t, shop()...)
	tests := map[string]struct {
		body         string
		wantSelected string
		wantVariants []string
		wantSignals  string
	}{
		"a product: the featured variant's selections": {
			body:         `{"id":"runner"}`,
			wantSelected: `[{"label":"Blue","name":"Color"},{"label":"10","name":"Size"}]`,
			wantVariants: []string{"runner-Blue-10"},
			wantSignals:  "Color: Blue(ae) Red(ae) Green(e); Size: 10(ae) 12(ae)",
		},
		"a partial selection": {
			body:         `{"id":"runner","selected":[{"name":"Color","label":"Blue"}]}`,
			wantSelected: `[{"label":"Blue","name":"Color"}]`,
			wantVariants: []string{"runner-Blue-10", "runner-Blue-12"},
			wantSignals:  "Color: Blue(ae) Red(ae) Green(e); Size: 10(ae) 12(ae)",
		},
		"a selection of a sold-out colour": {
			body:         `{"id":"runner","selected":[{"name":"Color","label":"Green"}]}`,
			wantSelected: `[{"label":"Green","name":"Color"}]`,
			wantVariants: []string{"runner-Green-10"},
			wantSignals:  "Color: Blue(ae) Red(ae) Green(e); Size: 10(e) 12()",
		},
		"relaxed by preferences: size kept": {
			body:         `{"id":"runner","selected":[{"name":"Color","label":"Red"},{"name":"Size","label":"12"}],"preferences":["Size","Color"]}`,
			wantSelected: `[{"label":"12","name":"Size"}]`,
			wantVariants: []string{"runner-Blue-12"},
			wantSignals:  "Color: Blue(ae) Red() Green(); Size: 10(ae) 12(ae)",
		},
		"relaxed by preferences: colour kept": {
			body:         `{"id":"runner","selected":[{"name":"Color","label":"Red"},{"name":"Size","label":"12"}],"preferences":["Color","Size"]}`,
			wantSelected: `[{"label":"Red","name":"Color"}]`,
			wantVariants: []string{"runner-Red-10"},
			wantSignals:  "Color: Blue(ae) Red(ae) Green(e); Size: 10(ae) 12()",
		},
		"an unknown option relaxed away": {
			body:         `{"id":"runner","selected":[{"name":"Color","label":"Red"},{"name":"Width","label":"Wide"}]}`,
			wantSelected: `[{"label":"Red","name":"Color"}]`,
			wantVariants: []string{"runner-Red-10"},
			wantSignals:  "Color: Blue(ae) Red(ae) Green(e); Size: 10(ae) 12()",
		},
		"a variant id: first, its own selections": {
			body:         `{"id":"runner-Blue-12","selected":[{"name":"Color","label":"Red"}]}`,
			wantSelected: `[{"label":"Blue","name":"Color"},{"label":"12","name":"Size"}]`,
			wantVariants: []string{"runner-Blue-12"},
			wantSignals:  "Color: Blue(ae) Red() Green(); Size: 10(ae) 12(ae)",
		},
		"a product without options": {
			body:         `{"id":"mug"}`,
			wantVariants: []string{"mug"},
		},
		"filters narrow the variants": {
			body:         `{"id":"runner","selected":[{"name":"Size","label":"10"}],"filters":{"available":true}}`,
			wantSelected: `[{"label":"10","name":"Size"}]`,
			wantVariants: []string{"runner-Blue-10", "runner-Red-10"},
			wantSignals:  "Color: Blue(ae) Red(ae) Green(e); Size: 10(ae) 12(ae)",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := f.ok(t, "get_product", tc.body)
			p := m["product"].(map[string]any)
			if got := variantIDs(p); !slices.Equal(got, tc.wantVariants) {
				t.Errorf("variants %v, want %v", got, tc.wantVariants)
			}
			if tc.wantSelected == "" {
				if p["selected"] != nil || p["options"] != nil {
					t.Errorf("selected %v, options %v for a product without options", p["selected"], p["options"])
				}
				return
			}
			if got := mustJSON(t, p["selected"]); got != tc.wantSelected {
				t.Errorf("selected %s, want %s", got, tc.wantSelected)
			}
			if got := signals(t, p); got != tc.wantSignals {
				t.Errorf("signals %s, want %s", got, tc.wantSignals)
			}
		})
	}
}

// TestGetProductNotFound: an identifier that names nothing, or whose
// variants the filters all exclude, is a 200 with ucp.status error and
// an unrecoverable not_found message (rest.md, "Product Not Found").
func TestGetProductNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t, shop()...)
	for _, body := range []string{`{"id":"prod_invalid"}`, `{"id":"trail","filters":{"price":{"max":100}}}`} {
		m := f.ok(t, "get_product", body)
		want := `{"messages":[{"code":"not_found","content":"Product not found: ` + strings.Split(body, `"`)[3] +
			`","severity":"unrecoverable","type":"error"}],"ucp":{"capabilities":{"dev.ucp.shopping.catalog.lookup":[{"version":"2026-04-08"}]},"status":"error","version":"2026-04-08"}}`
		if got := mustJSON(t, m); got != want {
			t.Errorf("%s = %s\nwant %s", body, got, want)
		}
	}
}

// TestGetProductBadInput: a request without an id, or naming an option
// twice, is a 400.
func TestGetProductBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, shop()...)
	for body, want := range map[string]string{
		`{}`:        "id must name",
		`{"id":""}`: "id must name",
		`{"id":7}`:  "id must be of JSON type string",
		`{"id":"runner","selected":[{"name":"Color","label":"Red"},{"name":"Color","label":"Blue"}]}`: `"Color" more than once`,
		`{"id":"runner","selected":[{"name":"Color"}]}`:                                               "needs a name and a label",
		`{"id":"runner","selected":{"name":"Color"}}`:                                                 "selected must be of JSON type array",
		`{"id":"runner","preferences":"Color"}`:                                                       "preferences must be of JSON type array",
	} {
		status, _, err := f.call(t, "get_product", body, nil)
		if err == nil || status != http.StatusBadRequest || err.Code != CodeInvalidRequest || !strings.Contains(err.Content, want) {
			t.Errorf("%s = %d, %v; want a 400 saying %q", body, status, err, want)
		}
	}
}
