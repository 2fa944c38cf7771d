package acpplugin

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type testConfig struct {
	File    string            `json:"file"`
	Limit   int               `json:"limit"`
	Headers map[string]string `json:"headers"`
}

func TestDecodeConfig(t *testing.T) {
	t.Parallel()
	preset := testConfig{File: "default.csv", Limit: 10}
	testCases := map[string]struct {
		raw     string
		want    testConfig
		wantErr string
	}{
		"full":                      {raw: `{"file":"products.csv","limit":5,"headers":{"a":"b"}}`, want: testConfig{File: "products.csv", Limit: 5, Headers: map[string]string{"a": "b"}}},
		"partial keeps the preset":  {raw: `{"limit":5}`, want: testConfig{File: "default.csv", Limit: 5}},
		"empty leaves it unchanged": {raw: ``, want: preset},
		"blank leaves it unchanged": {raw: " \n\t", want: preset},
		"empty object":              {raw: `{}`, want: preset},
		"null":                      {raw: `null`, want: preset},
		"surrounding space":         {raw: "\n {\"limit\":5} \n", want: testConfig{File: "default.csv", Limit: 5}},
		"unknown key":               {raw: `{"file":"a.csv","fiel":"b.csv"}`, wantErr: `unknown field "fiel"`},
		"wrong type":                {raw: `{"limit":"5"}`, wantErr: "cannot unmarshal"},
		"not JSON":                  {raw: `{`, wantErr: "decode plugin config"},
		"second object":             {raw: `{"limit":5} {"limit":6}`, wantErr: "trailing data"},
		"trailing garbage":          {raw: `{"limit":5} x`, wantErr: "trailing data"},
		"trailing comma":            {raw: `{"limit":5},`, wantErr: "trailing data"},
		"trailing brace":            {raw: `{"limit":5}}`, wantErr: "trailing data"},
		"trailing bracket":          {raw: `{"limit":5}]`, wantErr: "trailing data"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := preset
			err := DecodeConfig([]byte(tc.raw), &got)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("DecodeConfig(%q) = %v, want error containing %q", tc.raw, err, tc.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "decode plugin config: ") {
					t.Errorf("error %q does not say what failed", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeConfig(%q) = %v", tc.raw, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("DecodeConfig(%q) mismatch (-want +got):\n%s", tc.raw, diff)
			}
		})
	}
}
