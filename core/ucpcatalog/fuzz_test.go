package ucpcatalog

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/acp-sidecar/acp/core/ucp"
)

// fuzzOperation feeds op arbitrary bodies: each is answered 200 with a
// JSON body the schemas accept, or refused with a 400 *ucp.Error; never
// a panic, another error or another status.
func fuzzOperation(f *testing.F, op string, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	fx := newFixture(f, shop()...)
	operation := fx.index.Operations(func(string) bool { return true })[op]
	f.Fuzz(func(t *testing.T, body []byte) {
		status, out, err := operation(context.Background(), &ucp.Call{Body: body})
		if err != nil {
			var ue *ucp.Error
			if !errors.As(err, &ue) || ue.Status != http.StatusBadRequest || ue.Content == "" {
				t.Fatalf("%q: %v, want a 400 protocol error", body, err)
			}
			return
		}
		if status != http.StatusOK || !json.Valid(out) {
			t.Fatalf("%q: %d %s", body, status, out)
		}
		checkResponse(t, op, status, out)
	})
}

// FuzzSearchRequest fuzzes search_catalog's request decoding.
func FuzzSearchRequest(f *testing.F) {
	fuzzOperation(f, "search_catalog",
		`{"query":"blue running shoes","context":{"address_country":"US","currency":"USD"},"filters":{"categories":["Footwear"],"price":{"max":15000}},"pagination":{"limit":20}}`,
		`{"filters":{"available":true,"price":{"min":0,"max":0}}}`,
		`{"query":"mug","pagination":{"cursor":"YzE6MDA6MDp4","limit":1}}`,
		`{"query":null,"filters":null}`, `{"query":""}`, `[]`, `{"pagination":{"limit":-1}}`, "{\"query\":\"\xff\"}")
}

// FuzzLookupRequest fuzzes lookup_catalog's request decoding.
func FuzzLookupRequest(f *testing.F) {
	fuzzOperation(f, "lookup_catalog",
		`{"ids":["runner","runner-Red-10","nope","012345678905"],"filters":{"price":{"max":13000}}}`,
		`{"ids":[]}`, `{"ids":null}`, `{"ids":["mug","mug"],"context":{"language":"es"}}`, `{"ids":[{}]}`)
}

// FuzzProductRequest fuzzes get_product's request decoding.
func FuzzProductRequest(f *testing.F) {
	fuzzOperation(f, "get_product",
		`{"id":"runner","selected":[{"name":"Color","label":"Blue"}],"preferences":["Color","Size"],"context":{"address_country":"US"}}`,
		`{"id":"runner-Green-10"}`, `{"id":"x","selected":[{"name":"a","label":"b"},{"name":"a","label":"c"}]}`, `{"id":null}`, `{"selected":[]}`)
}
