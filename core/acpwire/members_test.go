package acpwire

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/internal/acpschema"
)

// members returns a copy of the request-member table (memberTable).
func members() []memberRule { return slices.Clone(memberTable) }

// requestDefs are the request definitions of each operation.
var requestDefs = map[string]string{
	OpCreate:   "CheckoutSessionCreateRequest",
	OpUpdate:   "CheckoutSessionUpdateRequest",
	OpComplete: "CheckoutSessionCompleteRequest",
	OpCancel:   "CancelSessionRequest",
}

// schemaMembers returns every member path ("op.path") of the request
// schemas in a checkout schema: object properties, array items (items and
// prefixItems) and the subschemas of allOf, oneOf, anyOf, not, if, then,
// else and dependentSchemas, through $refs, stopping at free-form objects
// and at recursion. The members of a patternProperties or a schema-valued
// additionalProperties have no fixed name: they are "path.*".
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
			for _, sub := range subschemas(s[key]) {
				walk(sub, path, seen)
			}
		}
		for _, key := range []string{"not", "if", "then", "else"} {
			if sub, ok := s[key].(map[string]any); ok {
				walk(sub, path, seen)
			}
		}
		for _, sub := range subschemas(s["dependentSchemas"]) {
			walk(sub, path, seen)
		}
		member := func(name string, p any) {
			out[path+"."+name] = true
			if sub, ok := p.(map[string]any); ok {
				walk(sub, path+"."+name, seen)
			}
		}
		props, _ := s["properties"].(map[string]any)
		for name, p := range props {
			member(name, p)
		}
		patterns, _ := s["patternProperties"].(map[string]any)
		for _, p := range patterns {
			member("*", p)
		}
		if extra, ok := s["additionalProperties"].(map[string]any); ok {
			member("*", extra)
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(items, path+"[]", seen)
		}
		for _, sub := range subschemas(s["prefixItems"]) {
			walk(sub, path+"[]", seen)
		}
	}
	for op, def := range requestDefs {
		if s := doc.Defs[def]; s != nil {
			walk(s, op, []string{def})
		}
	}
	return out
}

// subschemas are the schemas of a list of schemas (allOf, prefixItems) or
// of a map of them (dependentSchemas).
func subschemas(v any) []map[string]any {
	var out []map[string]any
	add := func(s any) {
		if sub, ok := s.(map[string]any); ok {
			out = append(out, sub)
		}
	}
	switch v := v.(type) {
	case []any:
		for _, s := range v {
			add(s)
		}
	case map[string]any:
		for _, s := range v {
			add(s)
		}
	}
	return out
}

// TestSchemaMembersWalk checks the walk on a schema using every keyword
// it descends into: each member it names is found, under its path.
func TestSchemaMembersWalk(t *testing.T) {
	t.Parallel()
	raw := []byte(`{"$defs": {
		"CancelSessionRequest": {"type": "object",
			"properties": {"a": {"$ref": "#/$defs/A"}, "tuple": {"type": "array", "prefixItems": [{"properties": {"p": {}}}]}},
			"if": {"properties": {"i": {}}}, "then": {"properties": {"t": {}}}, "else": {"properties": {"e": {}}},
			"not": {"properties": {"n": {}}},
			"dependentSchemas": {"a": {"properties": {"d": {}}}},
			"allOf": [{"oneOf": [{"anyOf": [{"properties": {"deep": {}}}]}]}]},
		"A": {"type": "object", "patternProperties": {"^x-": {"properties": {"px": {}}}},
			"properties": {"m": {"type": "object", "additionalProperties": {"properties": {"ax": {}}}}, "self": {"$ref": "#/$defs/A"}}}
	}}`)
	got := schemaMembers(t, raw)
	want := []string{"a", "a.*", "a.*.px", "a.m", "a.m.*", "a.m.*.ax", "a.self", "d", "deep", "e", "i", "n", "t", "tuple", "tuple[].p"}
	var names []string
	for m := range got {
		names = append(names, strings.TrimPrefix(m, OpCancel+"."))
	}
	sort.Strings(names)
	if !slices.Equal(names, want) {
		t.Errorf("members = %v, want %v", names, want)
	}
}

// TestMemberTableCoversTheSchemas holds the request-member table to the
// schemas: every member of every served version's create, update,
// complete and cancel request has exactly one rule for that version, and
// every rule names a member each version of its range has. A member a
// future schema adds fails it until the table says what the server does
// with it.
func TestMemberTableCoversTheSchemas(t *testing.T) {
	t.Parallel()
	table := members()
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
			if !r.covers(version) {
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
// a description, versions the server serves, and for a notice member
// inside another notice member, a Parent whose rule is a notice without a
// parent for the same request under every version of the member's; for
// every other notice, a message fit for an agent and no notice member
// around it that does not say it is its parent.
func TestMemberTableRules(t *testing.T) {
	t.Parallel()
	served := Versions()
	table := members()
	for _, r := range table {
		if _, ok := requestDefs[r.Op]; !ok || (r.Handling != handleActs && r.Handling != handleNotice && r.Handling != handleSilent) || r.Does == "" {
			t.Errorf("rule %+v: unknown op or handling, or no description", r)
		}
		if !slices.Contains(served, r.Since) || (r.Until != "" && (!slices.Contains(served, r.Until) || r.Until < r.Since)) {
			t.Errorf("rule %s.%s: versions %q to %q", r.Op, r.Path, r.Since, r.Until)
		}
		if strings.Contains(r.Does, "\n") || len(r.Does) > 200 {
			t.Errorf("rule %s.%s: description is not one short line", r.Op, r.Path)
		}
		if r.Op == OpCancel && r.Handling == handleNotice {
			t.Errorf("rule %s.%s: a cancel answers no messages, so it cannot carry a notice", r.Op, r.Path)
		}
		if r.Parent != "" {
			if problem := parentProblem(table, r); problem != "" {
				t.Errorf("rule %s.%s: %s", r.Op, r.Path, problem)
			}
			continue
		}
		if r.Handling == handleNotice && strings.HasPrefix(r.Does, "Covered by") {
			t.Errorf("rule %s.%s: a notice without a parent tells the agent %q", r.Op, r.Path, r.Does)
		}
		for _, p := range table {
			if r.Handling == handleNotice && p.Handling == handleNotice && p.Op == r.Op && insideMember(r.Path, p.Path) &&
				p.covers(r.Since) {
				t.Errorf("rule %s.%s: inside notice member %s without naming it its Parent", r.Op, r.Path, p.Path)
			}
		}
	}
}

// insideMember reports whether the member path lies inside the member parent.
func insideMember(path, parent string) bool {
	return strings.HasPrefix(path, parent+".") || strings.HasPrefix(path, parent+"[]")
}

// parentProblem says what is wrong with r, a member with a Parent: ""
// when it is a notice inside its parent, and its parent a notice member
// without a parent of the same request under every version of r's.
func parentProblem(table []memberRule, r memberRule) string {
	if r.Handling != handleNotice || !insideMember(r.Path, r.Parent) {
		return "has parent " + r.Parent + " but is not a notice inside it"
	}
	for _, p := range table {
		if p.Op == r.Op && p.Path == r.Parent && p.Handling == handleNotice && p.Parent == "" &&
			p.covers(r.Since) && (p.Until == "" || (r.Until != "" && r.Until <= p.Until)) {
			return ""
		}
	}
	return "no notice rule for its parent " + r.Parent + " covers its request and versions"
}

// TestParentProblem checks that parentProblem finds a parent missing, of
// another handling, of fewer versions or of another request.
func TestParentProblem(t *testing.T) {
	t.Parallel()
	child := memberRule{Op: OpUpdate, Path: "discounts.codes", Since: V20260130, Handling: handleNotice, Parent: "discounts", Does: "Covered."}
	parent := memberRule{Op: OpUpdate, Path: "discounts", Since: V20260130, Handling: handleNotice, Does: "No discounts."}
	testCases := map[string]struct {
		parent func(p memberRule) memberRule
		ok     bool
	}{
		"parent covers it":  {func(p memberRule) memberRule { return p }, true},
		"parent acts":       {func(p memberRule) memberRule { p.Handling = handleActs; return p }, false},
		"parent later":      {func(p memberRule) memberRule { p.Since = V20260417; return p }, false},
		"parent ends":       {func(p memberRule) memberRule { p.Until = V20260130; return p }, false},
		"parent of create":  {func(p memberRule) memberRule { p.Op = OpCreate; return p }, false},
		"parent has parent": {func(p memberRule) memberRule { p.Parent = "x"; return p }, false},
		"parent elsewhere":  {func(p memberRule) memberRule { p.Path = "coupons"; return p }, false},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			problem := parentProblem([]memberRule{tc.parent(parent), child}, child)
			if (problem == "") != tc.ok {
				t.Errorf("parentProblem = %q, want ok = %v", problem, tc.ok)
			}
		})
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
		"null is absent":         {V20260417, OpUpdate, `{"discounts":null,"buyer":{"email":"a@b.c","company":null}}`, nil},
		"discounts and coupons":  {V20260130, OpUpdate, `{"discounts":{"codes":["SAVE"]},"coupons":["SAVE"]}`, nil}, // acted on
		"coupons alone":          {V20260417, OpCreate, `{"coupons":["SAVE"]}`, nil},
		"item details in arrays": {V20260417, OpCreate, `{"line_items":[{"id":"a"},{"id":"b","unit_amount":1}]}`, []string{"$.line_items[*].unit_amount"}},
		"payment terms":          {V20260417, OpComplete, `{"payment_data":{"purchase_order_number":"PO-1","payment_terms":"net_30"}}`, []string{"$.payment_data.purchase_order_number"}},
		"several notices":        {V20260417, OpCreate, `{"locale":"fr-FR","quote_id":"q","capabilities":{"interventions":{"supported":["3ds"],"display_context":"native"}}}`, []string{"$.capabilities.interventions.display_context", "$.locale", "$.quote_id"}},
		"not in this version":    {V20251212, OpCreate, `{"items":[{"id":"a","quantity":1}],"locale":"fr-FR","discounts":{"codes":["X"]}}`, nil},
		"silent members say none": {V20260417, OpCreate,
			`{"capabilities":{"extensions":["discount"]},"affiliate_attribution":{"provider":"p","token":"t","touchpoint":"last"}}`, nil},
		"escaped member names": {V20260417, OpCreate, `{"\u006cocale":"fr-FR","line_items":[{"id":"a","n\u0061me":"x"}]}`, []string{"$.line_items[*].name", "$.locale"}},
		"a name as a value":    {V20260417, OpCreate, `{"metadata":{"x":"locale"}}`, nil},
		"members inside a notice member": {V20260417, OpCreate,
			`{"capabilities":{"payment":{"handlers":[{"id":"h","display_order":1}]}}}`, []string{"$.capabilities.payment"}},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, n := range memberNotices(tc.version, tc.op, []byte(tc.body)) {
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
	shared := memberNotices(V20260417, OpComplete, []byte(`{"payment_data":{"purchase_order_number":"PO-1"}}`))
	if len(shared) != 1 || !slices.Equal(shared[0].Also, []string{"$.payment_data.payment_terms", "$.payment_data.due_date", "$.payment_data.approval_required"}) {
		t.Errorf("purchase_order_number notice = %+v, want it to cover the other invoice members too", shared)
	}
}

// TestNoticeIndexAsSearch checks the needle index (noticeSet.quoted)
// against searching the body for each needle, as memberNotices did before
// it, on thousands of random bodies of every request: nested objects and
// arrays whose names and string values are the rules' names and others,
// with and without escapes.
func TestNoticeIndexAsSearch(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for req, set := range noticeRulesByRequest {
		if len(set.rules) == 0 {
			continue
		}
		if !set.indexed {
			t.Errorf("%v: the notice rules are not indexed", req)
			continue
		}
		searched := set
		searched.indexed = false
		var names []string
		for name := range set.byName {
			names = append(names, name)
		}
		names = append(names, "id", "x", "a b", "name_x", "é")
		var value func(b *strings.Builder, depth int)
		str := func(b *strings.Builder) {
			name := names[rng.IntN(len(names))]
			if rng.IntN(20) == 0 {
				name = `\u0061` + name // an escape somewhere
			}
			b.WriteString(strconv.Quote(name))
		}
		value = func(b *strings.Builder, depth int) {
			switch k := rng.IntN(5); {
			case k == 0 && depth < 5:
				b.WriteByte('{')
				for i := range rng.IntN(4) {
					if i > 0 {
						b.WriteString(", ")
					}
					str(b)
					b.WriteString(" : ")
					value(b, depth+1)
				}
				b.WriteByte('}')
			case k == 1 && depth < 5:
				b.WriteByte('[')
				for i := range rng.IntN(3) {
					if i > 0 {
						b.WriteByte(',')
					}
					value(b, depth+1)
				}
				b.WriteByte(']')
			case k == 2:
				b.WriteString("null")
			default:
				str(b)
			}
		}
		for range 500 {
			var b strings.Builder
			b.WriteByte('{')
			for i := range 1 + rng.IntN(4) {
				if i > 0 {
					b.WriteByte(',')
				}
				str(&b)
				b.WriteByte(':')
				value(&b, 1)
			}
			b.WriteByte('}')
			body := []byte(b.String())
			if !json.Valid(body) {
				t.Fatalf("generated invalid JSON %s", body)
			}
			got, want := set.notices(body), searched.notices(body)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("%v, body %s: notices (-searched +indexed):\n%s", req, body, diff)
			}
		}
	}
}
