package acpplugin_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

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

// fraction is written as a JSON string ("0.5") or number (0.5), and kept
// as its text.
type fraction string

// JSONTypes names the JSON a fraction is written as.
func (fraction) JSONTypes() []string { return []string{"string", "number"} }

// UnmarshalJSON keeps a string's or a number's text.
func (f *fraction) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*f = fraction(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("a fraction is a string or a number, got %s", data)
	}
	*f = fraction(n)
	return nil
}

// anyValue names no JSON type: any JSON value.
type anyValue struct{ raw json.RawMessage }

// JSONTypes names none.
func (anyValue) JSONTypes() []string { return nil }

// UnmarshalJSON keeps the value.
func (a *anyValue) UnmarshalJSON(data []byte) error {
	a.raw = append(json.RawMessage(nil), data...)
	return nil
}

// durationText is written as a JSON string alone, though it is an int64.
type durationText int64

// JSONTypes names the one JSON type.
func (durationText) JSONTypes() []string { return []string{"string"} }

// UnmarshalJSON reads a Go duration.
func (d *durationText) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	*d = durationText(v)
	return err
}

// typedConfig holds JSONTyper values at every depth the derivation reaches.
type typedConfig struct {
	Rate     fraction            `json:"rate" jsonschema:"a fraction below 1"`
	Optional *fraction           `json:"optional,omitempty"`
	List     []fraction          `json:"list,omitempty"`
	ByName   map[string]fraction `json:"by_name,omitempty"`
	Nested   []struct {
		Rate fraction `json:"rate"`
	} `json:"nested,omitempty"`
	Extra   anyValue      `json:"extra,omitempty"`
	Timeout *durationText `json:"timeout,omitempty"`
}

func TestConfigSchemaForJSONTyper(t *testing.T) {
	t.Parallel()
	schema := acpplugin.ConfigSchemaFor[typedConfig]()
	testCases := map[string]struct {
		config        string
		wantSchemaErr bool
	}{
		"a string":                    {config: `{"rate": "0.5"}`},
		"a number":                    {config: `{"rate": 0.5}`},
		"a boolean":                   {config: `{"rate": true}`, wantSchemaErr: true},
		"null where not a pointer":    {config: `{"rate": null}`, wantSchemaErr: true},
		"an object":                   {config: `{"rate": {}}`, wantSchemaErr: true},
		"required still":              {config: `{}`, wantSchemaErr: true},
		"pointer: null":               {config: `{"rate": 1, "optional": null}`},
		"pointer: a number":           {config: `{"rate": 1, "optional": 0.25}`},
		"pointer: a boolean":          {config: `{"rate": 1, "optional": false}`, wantSchemaErr: true},
		"in a list":                   {config: `{"rate": 1, "list": ["0.1", 0.2]}`},
		"in a list, wrong":            {config: `{"rate": 1, "list": [[]]}`, wantSchemaErr: true},
		"map values":                  {config: `{"rate": 1, "by_name": {"food": "0", "books": 0.05}}`},
		"map values, wrong":           {config: `{"rate": 1, "by_name": {"food": false}}`, wantSchemaErr: true},
		"nested struct":               {config: `{"rate": 1, "nested": [{"rate": "0.1"}]}`},
		"nested struct, wrong":        {config: `{"rate": 1, "nested": [{"rate": true}]}`, wantSchemaErr: true},
		"no types: anything":          {config: `{"rate": 1, "extra": {"a": [true]}}`},
		"one type: a string":          {config: `{"rate": 1, "timeout": "5s"}`},
		"one type: not an integer":    {config: `{"rate": 1, "timeout": 5}`, wantSchemaErr: true},
		"one type, pointer: null too": {config: `{"rate": 1, "timeout": null}`},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := client.ValidateConfig(schema, []byte(tc.config)); (err != nil) != tc.wantSchemaErr {
				t.Errorf("schema check of %s = %v, want error %v\nschema: %s", tc.config, err, tc.wantSchemaErr, schema)
			}
			if tc.wantSchemaErr {
				return
			}
			var c typedConfig
			if err := acpplugin.DecodeConfig([]byte(tc.config), &c); err != nil {
				t.Errorf("DecodeConfig(%s) = %v, want the schema's verdict", tc.config, err)
			}
		})
	}
	if !strings.Contains(schema, "a fraction below 1") {
		t.Errorf("schema lacks the JSONTyper field's description: %s", schema)
	}
}
