package feedtest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/internal/acpschema"
)

func TestMain(m *testing.M) { os.Exit(acpschema.Main(m)) }

const teeProduct = `{"id":"tee","title":"Tee","variants":[{"id":"tee-m","title":"Tee - M","price":{"amount":2000,"currency":"USD"},"availability":{"available":true,"status":"in_stock"}}]}`

// call sends one request and returns the status, body and Retry-After.
func call(t *testing.T, method, url, header, token, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set(header, token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), resp.Header.Get("Retry-After")
}

// TestFeedAPI walks the Feed API's operations, checking every answer
// against the schema: the released one, and the unreleased one for the
// upsert's answer with its feed_update_id.
func TestFeedAPI(t *testing.T) {
	t.Parallel()
	s := New(t, Options{Token: "tok", FeedUpdateIDs: true})
	v, next := acpschema.Feed(t, Version), acpschema.Feed(t, "unreleased")
	const auth = "Bearer tok"
	steps := []struct {
		name, method, path, body string
		token                    string
		status                   int
		def                      string
		next                     bool // validated against the unreleased schema
		contains                 string
	}{
		{"no credential", "POST", "/feeds", `{"target_country":"US"}`, "", 401, "Error", false, `"unauthorized"`},
		{"wrong credential", "POST", "/feeds", `{"target_country":"US"}`, "Bearer nope", 401, "Error", false, `"unauthorized"`},
		{"create", "POST", "/feeds", `{"target_country":"US"}`, auth, 201, "FeedMetadata", false, `"id":"feed_1"`},
		{"get", "GET", "/feeds/feed_1", "", auth, 200, "FeedMetadata", false, `"target_country":"US"`},
		{"get unknown", "GET", "/feeds/feed_9", "", auth, 404, "Error", false, `"feed_not_found"`},
		{"upsert", "PATCH", "/feeds/feed_1/products", `{"products":[` + teeProduct + `]}`, auth, 200, "UpsertProductsResponse", true, `"feed_update_id":"upd_1"`},
		{"upsert unknown", "PATCH", "/feeds/feed_9/products", `{"products":[` + teeProduct + `]}`, auth, 404, "Error", false, `"feed_not_found"`},
		{"products", "GET", "/feeds/feed_1/products", "", auth, 200, "ProductsResponse", false, `"tee-m"`},
	}
	for _, st := range steps {
		status, body, _ := call(t, st.method, s.URL()+st.path, "Authorization", st.token, st.body)
		if status != st.status || !strings.Contains(body, st.contains) {
			t.Errorf("%s: %d %s, want %d with %s", st.name, status, body, st.status, st.contains)
		}
		if st.next {
			next.Def(t, st.def, []byte(body))
		} else {
			v.Def(t, st.def, []byte(body))
		}
	}
	ups := s.Upserts()
	if len(ups) != 2 || ups[0].Status != 200 || ups[0].FeedUpdateID != "upd_1" || ups[0].IDs[0] != "tee" || ups[1].Status != 404 {
		t.Errorf("upserts = %+v", ups)
	}
	if got := s.Accepted(); len(got) != 1 || got[0].ID != "tee" || string(got[0].Body) != teeProduct {
		t.Errorf("accepted = %+v", got)
	}
	if p := s.Products("feed_1"); string(p["tee"]) != teeProduct {
		t.Errorf("products = %v", p)
	}
}

// TestStructuralChecks: what the server refuses by its own checks, the
// same with or without the spec files. The bodies are schema-valid or
// not, so these go through a server whose schema check is not asked.
func TestStructuralChecks(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		body, param string
	}{
		"not an object":    {`[]`, ""},
		"no products":      {`{"products":[]}`, "products"},
		"no id":            {`{"products":[{"variants":[]}]}`, "products[0].id"},
		"twice":            {`{"products":[{"id":"a","variants":[]},{"id":"a","variants":[]}]}`, "products[1].id"},
		"no variants":      {`{"products":[{"id":"a"}]}`, "products[0].variants"},
		"variant no id":    {`{"products":[{"id":"a","variants":[{"title":"x"}]}]}`, "products[0].variants[0].id"},
		"variant untitled": {`{"products":[{"id":"a","variants":[{"id":"v"}]}]}`, "products[0].variants[0].title"},
		"negative price":   {`{"products":[{"id":"a","variants":[{"id":"v","title":"V","price":{"amount":-1,"currency":"USD"}}]}]}`, "products[0].variants[0].price.amount"},
		"fraction":         {`{"products":[{"id":"a","variants":[{"id":"v","title":"V","price":{"amount":1.5,"currency":"USD"}}]}]}`, "products[0].variants[0].price.amount"},
		"lower currency":   {`{"products":[{"id":"a","variants":[{"id":"v","title":"V","price":{"amount":1,"currency":"usd"}}]}]}`, "products[0].variants[0].price.currency"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, _, param, err := checkUpsert([]byte(tc.body))
			if err == nil || param != tc.param {
				t.Errorf("checkUpsert = %v at %q, want an error at %q", err, param, tc.param)
			}
		})
	}
	// Over HTTP, with the schema check's complaint taken as expected.
	lenient := New(&expectInvalid{TB: t}, Options{})
	for body, code := range map[string]string{
		`{"target_country":"usa"}`: "invalid_target_country",
		`{"target_country":1}`:     "invalid_feed_payload",
	} {
		if status, answer, _ := call(t, "POST", lenient.URL()+"/feeds", "", "", body); status != 400 || !strings.Contains(answer, code) {
			t.Errorf("create with %s: %d %s, want 400 %s", body, status, answer, code)
		}
	}
	call(t, "POST", lenient.URL()+"/feeds", "", "", `{}`)
	for _, body := range []string{`{"products":[{"id":"a"}]}`, `{"products":"x"}`} {
		if status, answer, _ := call(t, "PATCH", lenient.URL()+"/feeds/feed_1/products", "", "", body); status != 400 || !strings.Contains(answer, "invalid_product_payload") {
			t.Errorf("upsert of %s: %d %s, want 400 invalid_product_payload", body, status, answer)
		}
	}
	ids, _, _, err := checkUpsert([]byte(`{"products":[` + teeProduct + `]}`))
	if err != nil || len(ids) != 1 || ids[0] != "tee" {
		t.Errorf("checkUpsert of a valid body = %v, %v", ids, err)
	}
}

// TestFailures: refused products, injected statuses with Retry-After,
// 503 while unavailable, refused connections while down, a lost feed,
// and a credential in a header of its own.
func TestFailures(t *testing.T) {
	t.Parallel()
	s := New(t, Options{Token: "tok", Header: "X-Feed-Key"})
	v := acpschema.Feed(t, Version)
	status, body, _ := call(t, "POST", s.URL()+"/feeds", "X-Feed-Key", "tok", `{}`)
	if status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
	upsert := func() (int, string, string) {
		return call(t, "PATCH", s.URL()+"/feeds/feed_1/products", "X-Feed-Key", "tok", `{"products":[`+teeProduct+`]}`)
	}

	for _, tc := range []struct {
		status int
		code   string
	}{{400, "invalid_product_payload"}, {413, "request_too_large"}, {422, "unprocessable_product"}, {500, "internal_error"}} {
		s.Refuse(tc.status, "tee")
		if status, body, _ := upsert(); status != tc.status || !strings.Contains(body, `"param":"products[0]"`) || !strings.Contains(body, tc.code) {
			t.Errorf("tee refused with %d: %d %s", tc.status, status, body)
		} else {
			v.Def(t, "Error", []byte(body))
		}
	}
	s.Refuse(0, "tee")

	s.FailNext(2, 429, 1500*time.Millisecond)
	for range 2 {
		if status, body, wait := upsert(); status != 429 || wait != "2" {
			t.Errorf("injected failure: %d %s, Retry-After %q", status, body, wait)
		} else {
			v.Def(t, "Error", []byte(body))
		}
	}
	if status, _, _ := upsert(); status != 200 {
		t.Errorf("after the injected failures: %d", status)
	}

	s.SetMode(Unavailable)
	if status, _, _ := upsert(); status != 503 {
		t.Errorf("unavailable: %d", status)
	}
	s.SetMode(Refusing)
	req, _ := http.NewRequest("GET", s.URL()+"/feeds/feed_1", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("down: answered %d", resp.StatusCode)
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("down: %v, want the connection refused", err)
	}
	s.SetMode(Serving)
	if status, _, _ := upsert(); status != 200 {
		t.Errorf("up again: %d", status)
	}

	s.DeleteFeed("feed_1")
	if status, body, _ := upsert(); status != 404 || !strings.Contains(body, "feed_not_found") {
		t.Errorf("lost feed: %d %s", status, body)
	}
	statuses := []int{}
	for _, u := range s.Upserts() {
		statuses = append(statuses, u.Status)
	}
	if got := fmt.Sprint(statuses); got != "[400 413 422 500 429 429 200 503 200 404]" {
		t.Errorf("recorded statuses %s", got)
	}
}

// expectInvalid is a testing.TB for a server sent bodies the schema
// refuses on purpose: the schema check's complaints are not failures;
// any other error is.
type expectInvalid struct{ testing.TB }

// Errorf passes every error on but the schema check's complaints.
func (e *expectInvalid) Errorf(format string, args ...any) {
	if !strings.HasPrefix(format, schemaComplaint) {
		e.TB.Helper()
		e.TB.Errorf(format, args...)
	}
}
