package catalog

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCompleteProductCopies: the variants CompleteProduct completes share
// nothing with each other or with the defaults, so that changing one
// variant's categories, condition or seller changes no other.
func TestCompleteProductCopies(t *testing.T) {
	t.Parallel()
	d := ProductDefaults{
		Categories: []string{"apparel"},
		Condition:  []string{"new"},
		Seller:     &Seller{Name: "Shop", Links: []SellerLink{{Type: "faq", URL: "https://shop.test/faq"}}},
	}
	p := CompleteProduct(Product{ID: "tee", Title: "Tee", Description: Description{Plain: "Soft."}, Variants: []Variant{
		{Item: Item{ID: "tee-s"}, Options: []VariantOption{{Name: "Size", Value: "S"}}},
		{Item: Item{ID: "tee-m"}, Options: []VariantOption{{Name: "Size", Value: "M"}}},
	}}, d)
	s := &p.Variants[0]
	s.Item.Categories[0], s.Condition[0], s.Seller.Name, s.Seller.Links[0].URL = "changed", "changed", "changed", "changed"
	for what, got := range map[string]any{
		"the other variant": p.Variants[1],
		"the defaults":      Variant{Item: Item{Categories: d.Categories}, Condition: d.Condition, Seller: d.Seller},
	} {
		want := Variant{Item: Item{Categories: []string{"apparel"}}, Condition: []string{"new"},
			Seller: &Seller{Name: "Shop", Links: []SellerLink{{Type: "faq", URL: "https://shop.test/faq"}}}}
		v := got.(Variant)
		v = Variant{Item: Item{Categories: v.Item.Categories}, Condition: v.Condition, Seller: v.Seller}
		if diff := cmp.Diff(want, v); diff != "" {
			t.Errorf("changing the first variant changed %s (-want +got):\n%s", what, diff)
		}
	}
	if got := []string{p.Variants[0].Item.Description, p.Variants[1].Item.Description}; !slices.Equal(got, []string{"Soft.", "Soft."}) {
		t.Errorf("descriptions = %q, want the product's plain description", got)
	}
}

// TestCheckProduct: each rule of ProductProblems, with the variants each
// problem is about.
func TestCheckProduct(t *testing.T) {
	t.Parallel()
	v := func(id, title string, options ...string) Variant {
		out := Variant{Item: Item{ID: id, Title: title}}
		for i := 0; i+1 < len(options); i += 2 {
			out.Options = append(out.Options, VariantOption{Name: options[i], Value: options[i+1]})
		}
		return out
	}
	for name, tc := range map[string]struct {
		p    Product
		want []ProductProblem
	}{
		"good": {p: Product{ID: "tee", Title: "Tee", Variants: []Variant{
			v("tee-s", "", "Size", "S"), v("tee-m", "", "Size", "M"), v("tee-x", "Tee, special edition"),
		}}},
		"titles alone tell variants without options apart": {p: Product{ID: "mug", Title: "Mug", Variants: []Variant{
			v("mug-s", "Small mug"), v("mug-l", "Large mug"),
		}}},
		"no id, no variant": {p: Product{}, want: []ProductProblem{{Message: "the product has no id"}, {Message: "the product has no variant"}}},
		"variant ids": {p: Product{ID: "tee", Variants: []Variant{v("a", "A"), v("", "B"), v("a", "C")}}, want: []ProductProblem{
			{Variants: []int{1}, Message: "variant 1 has no id"},
			{Variants: []int{0, 2}, Message: `variants 0 and 2 have the same id "a"`},
		}},
		"same title": {p: Product{ID: "tee", Title: "Tee", Variants: []Variant{v("a", "Tee"), v("b", "")}}, want: []ProductProblem{
			{Variants: []int{0, 1}, Message: `variants "a" and "b" have the same title "Tee": give each its own title or options`},
		}},
		"same options in another order": {p: Product{ID: "tee", Title: "Tee", Variants: []Variant{
			v("a", "Red M", "Color", "Red", "Size", "M"), v("b", "Red medium", "Size", "M", "Color", "Red"),
		}}, want: []ProductProblem{
			{Variants: []int{0, 1}, Message: `variants "a" and "b" have the same options Color=Red, Size=M: options tell a product's variants apart`},
		}},
		"an option twice": {p: Product{ID: "tee", Title: "Tee", Variants: []Variant{v("a", "", "Color", "Red", "Color", "Blue")}}, want: []ProductProblem{
			{Variants: []int{0}, Message: `variant "a" has the option "Color" twice`},
		}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, ProductProblems(tc.p)); diff != "" {
				t.Errorf("ProductProblems() mismatch (-want +got):\n%s", diff)
			}
			err := CheckProduct(tc.p)
			if (err == nil) != (len(tc.want) == 0) {
				t.Fatalf("CheckProduct() = %v, want an error: %v", err, len(tc.want) > 0)
			}
			for _, pr := range tc.want {
				if !strings.Contains(err.Error(), pr.Message) || !strings.HasPrefix(err.Error(), fmt.Sprintf("product %q: ", tc.p.ID)) {
					t.Errorf("CheckProduct() = %v, want it to name the product and say %q", err, pr.Message)
				}
			}
		})
	}
}
