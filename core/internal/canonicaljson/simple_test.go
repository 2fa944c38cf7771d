package canonicaljson

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gowebpki/jcs"
)

// generalFingerprint is the fingerprint as the general transform computes
// it, which simpleFingerprint must equal wherever it answers.
func generalFingerprint(body []byte) ([sha256.Size]byte, error) {
	canonical, err := jcs.Transform(body)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(canonical), nil
}

// checkSimple fails t unless simpleFingerprint either declines body or
// answers what the general transform does (which must then accept it).
func checkSimple(t *testing.T, body []byte) (handled bool) {
	t.Helper()
	got, ok := simpleFingerprint(body)
	if !ok {
		return false
	}
	want, err := generalFingerprint(body)
	if err != nil {
		t.Fatalf("simpleFingerprint(%q) answered, the general transform refuses it: %v", body, err)
	}
	if got != want {
		canonical, _ := jcs.Transform(body)
		t.Fatalf("simpleFingerprint(%q) = %x, want %x (of %q)", body, got, want, canonical)
	}
	return true
}

func TestSimpleFingerprint(t *testing.T) {
	t.Parallel()
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	testCases := map[string]struct {
		body   string
		simple bool
	}{
		"a create": {`{"line_items":[{"id":"mug-classic","quantity":2},{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{"interventions":{"supported":["3ds"]}}}`, true},
		"members to sort, nested": {` { "b" : 1 , "a" : { "d" : [ ] , "c" : { } , "B" : null } , "aa" : [ true , false ] }
`, true},
		"names sorting by byte":    {`{"a":1,"B":2,"_":3,"aa":4,"A":5,"0":6,"":7}`, true},
		"integers":                 {`[0,-1,7,123456789012345,-123456789012345]`, true},
		"top-level string":         {` "x" `, true},
		"top-level integer":        {`42`, true},
		"top-level literal":        {"true\n", true},
		"empty object and array":   {`{"a":{},"b":[]}`, true},
		"depth 64":                 {deep(64), true},
		"depth 65":                 {deep(65), false},
		"duplicate name":           {`{"a":1,"b":2,"a":3}`, false},
		"minus zero":               {`{"a":-0}`, false},
		"leading zero":             {`{"a":01}`, false},
		"16 digits":                {`[1234567890123456]`, false},
		"fraction":                 {`[1.0]`, false},
		"exponent":                 {`[1e2]`, false},
		"escape":                   {`{"a":"\u00e9"}`, false},
		"escaped quote":            {`{"a":"x\"y"}`, false},
		"non-ASCII":                {`{"a":"é"}`, false},
		"control character":        {"{\"a\":\"x\ty\"}", false},
		"trailing comma in object": {`{"a":1,}`, false},
		"trailing comma in array":  {`[1,]`, false},
		"missing comma":            {`[1 2]`, false},
		"trailing content":         {`{"a":1}x`, false},
		"two documents":            {`{"a":1}{"b":2}`, false},
		"literal run on":           {`[truex]`, false},
		"number run on":            {`{"a":1"b"}`, false},
		"unterminated":             {`{"a":[1`, false},
		"bad literal":              {`[nul]`, false},
		"form feed around":         {"\f{}", false},
		"name not a string":        {`{a:1}`, false},
		"missing colon":            {`{"a" 1}`, false},
		"empty":                    {``, false},
		"only whitespace":          {" \n", false},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := checkSimple(t, []byte(tc.body)); got != tc.simple {
				t.Errorf("simpleFingerprint(%q) answered %v, want %v", tc.body, got, tc.simple)
			}
			// Fingerprint answers the same whichever way it goes.
			got, gotErr := Fingerprint([]byte(tc.body))
			canonical, wantErr := Transform([]byte(tc.body))
			if (gotErr != nil) != (wantErr != nil) || gotErr == nil && got != sha256.Sum256(canonical) {
				t.Errorf("Fingerprint(%q) = %x, %v; the general transform gives %q, %v", tc.body, got, gotErr, canonical, wantErr)
			}
		})
	}
}

// TestSimpleFingerprintConcurrently fingerprints distinct bodies from 16
// goroutines at once, each with its scratch from the pool, and checks
// every answer: a scratch shared between two fingerprints would mix their
// bodies (and -race reports the shared writes).
func TestSimpleFingerprintConcurrently(t *testing.T) {
	t.Parallel()
	const goroutines, each = 16, 200
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				body := fmt.Appendf(nil, `{"z":%d,"line_items":[{"quantity":%d,"id":"item-%d"}],"a":{"y":%q,"b":[%d]}}`, g, i, g, strings.Repeat("x", g*i%300), i)
				got, ok := simpleFingerprint(body)
				want, err := generalFingerprint(body)
				if !ok || err != nil || got != want {
					t.Errorf("goroutine %d, body %d: simpleFingerprint = %x, %v; want %x, %v", g, i, got, ok, want, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// FuzzSimpleFingerprint: wherever simpleFingerprint answers, the general
// transform accepts the body and the fingerprints are equal.
func FuzzSimpleFingerprint(f *testing.F) {
	for _, s := range []string{``, `{}`, `[]`, `{"b":[1,2,{"d":null,"c":true}],"a":"x"}`, `{"a":1,"a":2}`, `[-0]`, `[1.5e3]`,
		`{"line_items":[{"id":"mug-classic","quantity":2}],"currency":"usd"}`, ` [ 1 , "a" ] `, `[truefalse]`, `{"a":1}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkSimple(t, body)
	})
}

// TestSimpleRandomDocuments checks simpleFingerprint against the general
// transform on thousands of random simple documents: nested objects and
// arrays, names in any order, integers, literals, whitespace anywhere.
func TestSimpleRandomDocuments(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(8785, 1))
	names := []string{"a", "b", "B", "aa", "ab", "_", "0", "", "id", "line_items", "quantity", "z~", "a b"}
	ws := func(b *strings.Builder) {
		for range rng.IntN(3) {
			b.WriteByte(" \t\n\r"[rng.IntN(4)])
		}
	}
	var doc func(b *strings.Builder, depth int)
	doc = func(b *strings.Builder, depth int) {
		ws(b)
		switch k := rng.IntN(7); {
		case k == 0 && depth < 6:
			b.WriteByte('{')
			used := map[string]bool{}
			for range rng.IntN(5) {
				name := names[rng.IntN(len(names))]
				if used[name] {
					continue
				}
				used[name] = true
				if len(used) > 1 {
					b.WriteByte(',')
				}
				ws(b)
				b.WriteString(`"` + name + `"`)
				ws(b)
				b.WriteByte(':')
				doc(b, depth+1)
			}
			ws(b)
			b.WriteByte('}')
		case k == 1 && depth < 6:
			b.WriteByte('[')
			for i := range rng.IntN(4) {
				if i > 0 {
					b.WriteByte(',')
				}
				doc(b, depth+1)
			}
			ws(b)
			b.WriteByte(']')
		case k == 2:
			// Mostly integers of up to 15 digits; now and then one of
			// 16 or 17, -0 or a fraction, which are declined.
			switch n := rng.IntN(50); n {
			case 0:
				b.WriteString("-0")
			case 1:
				b.WriteString("2.5")
			default:
				n := strconv.FormatInt(rng.Int64N(2e17)-1e17, 10)
				b.WriteString(n[:min(len(n), 2+rng.IntN(17))])
			}
		case k == 3:
			b.WriteString([]string{"true", "false", "null"}[rng.IntN(3)])
		default:
			b.WriteString(`"` + names[rng.IntN(len(names))] + `-` + strconv.Itoa(rng.IntN(100)) + `"`)
		}
		ws(b)
	}
	handled := 0
	for range 5000 {
		var b strings.Builder
		doc(&b, 0)
		if checkSimple(t, []byte(b.String())) {
			handled++
		}
	}
	t.Logf("simpleFingerprint answered %d of 5000", handled)
	// Only documents with an integer of 16 digits or more, -0 or a
	// fraction are declined.
	if handled < 3000 {
		t.Errorf("simpleFingerprint answered %d of 5000 simple documents", handled)
	}
}

// BenchmarkFingerprint measures the fingerprint of a create's body, which
// every keyed create computes, and of one the general transform handles.
func BenchmarkFingerprint(b *testing.B) {
	for name, body := range map[string]string{
		"create":    `{"line_items":[{"id":"mug-classic","quantity":2},{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{"interventions":{"supported":["3ds"]}}}`,
		"with-json": `{"line_items":[{"id":"mug-classic","quantity":2}],"currency":"usd","buyer":{"first_name":"Zoë","email":"zoe@example.com"},"rate":1.5}`,
	} {
		data := []byte(body)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Fingerprint(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
