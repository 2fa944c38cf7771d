package acpschema

import (
	"testing"
)

// TestFeedExamples checks the feed schema against the spec's own feed
// examples, each under the definition it is an example of.
func TestFeedExamples(t *testing.T) {
	t.Parallel()
	examples := Examples(t, newestRelease, "examples.feed.json")
	if examples == nil {
		return // the examples are the subject
	}
	defs := map[string]string{
		"create_feed_request_minimal":            "CreateFeedRequest",
		"create_feed_response":                   "FeedMetadata",
		"get_feed_response":                      "FeedMetadata",
		"get_products_response":                  "ProductsResponse",
		"upsert_products_request_single_product": "UpsertProductsRequest",
		"feed_error_not_found":                   "Error",
		"feed_error_invalid_request":             "Error",
	}
	v := Feed(t, newestRelease)
	for name, body := range examples {
		def, ok := defs[name]
		if !ok {
			t.Errorf("example %s has no definition to check it against", name)
			continue
		}
		v.Def(t, def, body)
	}
}

// TestFeedBodies checks that the feed validator refuses what the feed
// schema refuses, in the released version and in the unreleased one that
// adds feed_update_id to the upsert's answer.
func TestFeedBodies(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		version, def, body string
		wantFail           bool
	}{
		"a minimal product":           {version: newestRelease, def: "Product", body: `{"id":"p","variants":[{"id":"v","title":"V"}]}`},
		"an empty description":        {version: newestRelease, def: "Product", body: `{"id":"p","description":{},"variants":[]}`, wantFail: true},
		"a lower-case currency":       {version: newestRelease, def: "Product", body: `{"id":"p","variants":[{"id":"v","title":"V","price":{"amount":1,"currency":"usd"}}]}`, wantFail: true},
		"a relative media URL":        {version: newestRelease, def: "Product", body: `{"id":"p","media":[{"type":"image","url":"/a.jpg"}],"variants":[]}`, wantFail: true},
		"an unknown member":           {version: newestRelease, def: "UpsertProductsRequest", body: `{"products":[],"extra":1}`, wantFail: true},
		"an upsert answer":            {version: "unreleased", def: "UpsertProductsResponse", body: `{"id":"feed_1","accepted":true,"feed_update_id":"upd_1"}`},
		"an upsert answer without id": {version: "unreleased", def: "UpsertProductsResponse", body: `{"accepted":true}`, wantFail: true},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !Present(t) {
				return // the schemas are the subject
			}
			err := Feed(t, tc.version).Check(tc.def, []byte(tc.body))
			if (err != nil) != tc.wantFail {
				t.Errorf("Check(%s) = %v, want failure %v", tc.def, err, tc.wantFail)
			}
		})
	}
}
