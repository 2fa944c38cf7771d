package acpplugin_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/acpplugin/client"
)

// mugConfig is a configuration described by its struct alone.
type mugConfig struct {
	Price int64    `json:"price" jsonschema:"price of one mug, in minor units"`
	Note  string   `json:"note,omitempty"`
	Tags  []string `json:"tags,omitempty"`
}

// Validate refuses a negative price, which the type cannot.
func (c mugConfig) Validate() error {
	if c.Price < 0 {
		return fmt.Errorf("price %d is negative", c.Price)
	}
	return nil
}

func TestConfigSchemaFor(t *testing.T) {
	t.Parallel()
	schema := acpplugin.ConfigSchemaFor[mugConfig]()
	testCases := map[string]struct {
		config        string
		wantSchemaErr bool
		wantDecodeErr bool
	}{
		"required only":          {config: `{"price": 1500}`},
		"every field":            {config: `{"price": 1500, "note": "hi", "tags": ["a"]}`},
		"missing required":       {config: `{"note": "hi"}`, wantSchemaErr: true},
		"unknown key":            {config: `{"price": 1, "colour": "red"}`, wantSchemaErr: true, wantDecodeErr: true},
		"a fraction":             {config: `{"price": 15.5}`, wantSchemaErr: true, wantDecodeErr: true},
		"wrong type":             {config: `{"price": "15"}`, wantSchemaErr: true, wantDecodeErr: true},
		"negative, for Validate": {config: `{"price": -1}`, wantDecodeErr: true},
		"tags of the wrong type": {config: `{"price": 1, "tags": [1]}`, wantSchemaErr: true, wantDecodeErr: true},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := client.ValidateConfig(schema, []byte(tc.config)); (err != nil) != tc.wantSchemaErr {
				t.Errorf("schema check of %s = %v, want error %v\nschema: %s", tc.config, err, tc.wantSchemaErr, schema)
			}
			var c mugConfig
			if err := acpplugin.DecodeConfig([]byte(tc.config), &c); (err != nil) != tc.wantDecodeErr {
				t.Errorf("DecodeConfig(%s) = %v, want error %v", tc.config, err, tc.wantDecodeErr)
			}
		})
	}
	if !strings.Contains(schema, "price of one mug") {
		t.Errorf("schema lacks the field's description: %s", schema)
	}
}
