package acpwire

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/internal/acpschema"
)

// requestDefs are the request definitions of each operation.
var requestDefs = map[string]string{
	OpCreate:   "CheckoutSessionCreateRequest",
	OpUpdate:   "CheckoutSessionUpdateRequest",
	OpComplete: "CheckoutSessionCompleteRequest",
	OpCancel:   "CancelSessionRequest",
}

// schemaMembers returns every member path ("op.path") of the request
// schemas in a checkout schema: object properties, array items and the
// branches of allOf, oneOf and anyOf, through $refs, stopping at free-form
// objects and at recursion.
func schemaMembers(t *testing.T, raw []byte) map[string]bool {
	t.Helper()
	var doc struct {
		Defs map[string]map[string]any `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	var walk func(s map[string]any, path string, seen []string)
	walk = func(s map[string]any, path string, seen []string) {
		if ref, ok := s["$ref"].(string); ok {
			name, found := strings.CutPrefix(ref, "#/$defs/")
			if !found || doc.Defs[name] == nil {
				t.Fatalf("unresolvable $ref %q at %s", ref, path)
			}
			if !slices.Contains(seen, name) {
				walk(doc.Defs[name], path, append(slices.Clone(seen), name))
			}
		}
		for _, key := range []string{"allOf", "oneOf", "anyOf"} {
			branches, _ := s[key].([]any)
			for _, b := range branches {
				if sub, ok := b.(map[string]any); ok {
					walk(sub, path, seen)
				}
			}
		}
		props, _ := s["properties"].(map[string]any)
		for name, p := range props {
			member := path + "." + name
			out[member] = true
			if sub, ok := p.(map[string]any); ok {
				walk(sub, member, seen)
			}
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(items, path+"[]", seen)
		}
	}
	for op, def := range requestDefs {
		if s := doc.Defs[def]; s != nil {
			walk(s, op, []string{def})
		}
	}
	return out
}

// TestMemberTableCoversTheSchemas holds the request-member table to the
// schemas: every member of every served version's create, update,
// complete and cancel request has exactly one rule for that version, and
// every rule names a member each version of its range has. A member a
// future schema adds fails it until the table says what the server does
// with it.
func TestMemberTableCoversTheSchemas(t *testing.T) {
	t.Parallel()
	table := Members()
	for _, version := range Versions() {
		raw := acpschema.CheckoutSchema(t, version)
		if raw == nil {
			return
		}
		inSchema := schemaMembers(t, raw)
		if len(inSchema) == 0 {
			t.Fatalf("%s: no request members found", version)
		}
		ruled := map[string]int{}
		for _, r := range table {
			if !r.Covers(version) {
				continue
			}
			key := r.Op + "." + r.Path
			ruled[key]++
			if !inSchema[key] {
				t.Errorf("%s: the table has a rule for %s, which this version's %s request lacks", version, r.Path, r.Op)
			}
		}
		var missing []string
		for key := range inSchema {
			switch ruled[key] {
			case 0:
				missing = append(missing, key)
			case 1:
			default:
				t.Errorf("%s: %s has %d rules", version, key, ruled[key])
			}
		}
		sort.Strings(missing)
		for _, key := range missing {
			t.Errorf("%s: request member %s has no rule in the member table (core/acpwire/members.go)", version, key)
		}
	}
}

// TestMemberTableRules checks each rule's form: a known op and handling,
// a description, versions the server serves, and for a notice that is not
// inside another notice member, a message fit for an agent.
func TestMemberTableRules(t *testing.T) {
	t.Parallel()
	served := Versions()
	for _, r := range Members() {
		if _, ok := requestDefs[r.Op]; !ok || (r.Handling != Acts && r.Handling != Notice && r.Handling != Silent) || r.Does == "" {
			t.Errorf("rule %+v: unknown op or handling, or no description", r)
		}
		if !slices.Contains(served, r.Since) || (r.Until != "" && (!slices.Contains(served, r.Until) || r.Until < r.Since)) {
			t.Errorf("rule %s.%s: versions %q to %q", r.Op, r.Path, r.Since, r.Until)
		}
		if strings.Contains(r.Does, "\n") || len(r.Does) > 200 {
			t.Errorf("rule %s.%s: description is not one short line", r.Op, r.Path)
		}
		if r.Op == OpCancel && r.Handling == Notice {
			t.Errorf("rule %s.%s: a cancel answers no messages, so it cannot carry a notice", r.Op, r.Path)
		}
	}
}

// TestMemberNotices checks which notices request bodies carry: one per
// notice member present, none for null or absent members or for members
// inside another notice member, one for members sharing a message, none
// for members the version's schema does not have.
func TestMemberNotices(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		version, op, body string
		want              []string // params
	}{
		"nothing to tell": {V20260417, OpCreate, `{"currency":"usd","capabilities":{},"line_items":[{"id":"a"}],"metadata":{"x":"y"}}`, nil},
		"tax exemption with its members": {V20260417, OpUpdate,
			`{"buyer":{"email":"a@b.c","tax_exemption":{"certificate_id":"c","certificate_type":"resale"}}}`, []string{"$.buyer.tax_exemption"}},
		"null is absent":          {V20260417, OpUpdate, `{"discounts":null,"buyer":{"email":"a@b.c","company":null}}`, nil},
		"discounts and coupons":   {V20260130, OpUpdate, `{"discounts":{"codes":["SAVE"]},"coupons":["SAVE"]}`, []string{"$.discounts"}},
		"coupons alone":           {V20260417, OpCreate, `{"coupons":["SAVE"]}`, []string{"$.coupons"}},
		"item details in arrays":  {V20260417, OpCreate, `{"line_items":[{"id":"a"},{"id":"b","unit_amount":1}]}`, []string{"$.line_items[*].unit_amount"}},
		"payment terms":           {V20260417, OpComplete, `{"payment_data":{"purchase_order_number":"PO-1","payment_terms":"net_30"}}`, []string{"$.payment_data.purchase_order_number"}},
		"several notices":         {V20260417, OpCreate, `{"locale":"fr-FR","quote_id":"q","capabilities":{"interventions":{"supported":["3ds"],"display_context":"native"}}}`, []string{"$.capabilities.interventions.display_context", "$.locale", "$.quote_id"}},
		"not in this version":     {V20251212, OpCreate, `{"items":[{"id":"a","quantity":1}],"locale":"fr-FR","discounts":{"codes":["X"]}}`, nil},
		"silent members say none": {V20260417, OpCancel, `{"intent_trace":{"reason_code":"made_up"}}`, nil},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, n := range MemberNotices(tc.version, tc.op, []byte(tc.body)) {
				got = append(got, n.Param)
				if n.Message == "" || strings.HasPrefix(n.Message, "Covered by") {
					t.Errorf("notice %s has message %q", n.Param, n.Message)
				}
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("notices = %v, want %v", got, tc.want)
			}
		})
	}
	shared := MemberNotices(V20260417, OpUpdate, []byte(`{"discounts":{"codes":["SAVE"]}}`))
	if len(shared) != 1 || !slices.Equal(shared[0].Also, []string{"$.coupons"}) {
		t.Errorf("discounts notice = %+v, want it to cover $.coupons too", shared)
	}
}
