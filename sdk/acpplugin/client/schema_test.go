package client

import (
	"strings"
	"testing"
)

func TestValidateConfig(t *testing.T) {
	t.Parallel()
	const object = `{"type":"object","properties":{"file":{"type":"string"},"limit":{"type":"integer","minimum":1}},"required":["file"],"additionalProperties":false}`
	const integer = `{"type":"object","properties":{"n":{"type":"integer"}}}`
	const number = `{"type":"object","properties":{"n":{"type":"number","maximum":10}}}`
	testCases := map[string]struct {
		schema  string
		config  string
		wantErr []string // substrings, in order; none means valid
	}{
		"no schema, no config":            {},
		"no schema, blank config":         {config: " \n"},
		"no schema, empty object":         {config: `{}`},
		"no schema, spaced empty object":  {config: " {\n } "},
		"no schema, not JSON":             {config: `{`, wantErr: []string{"takes no configuration"}},
		"no schema, null":                 {config: `null`},
		"blank schema, no config":         {schema: " \n\t"},
		"no schema, a config":             {config: `{"file":"a.csv"}`, wantErr: []string{"the plugin takes no configuration, but a config block is set"}},
		"blank schema, a config":          {schema: " ", config: `{"file":"a.csv"}`, wantErr: []string{"takes no configuration"}},
		"no schema, an empty list":        {config: `[]`, wantErr: []string{"takes no configuration"}},
		"no schema, an object with space": {config: `{ "a": 1 }`, wantErr: []string{"takes no configuration"}},
		"valid":                           {schema: object, config: `{"file":"a.csv","limit":3}`},
		"schema, no config is {}":         {schema: `{"type":"object"}`},
		"schema, no config misses a key":  {schema: object, wantErr: []string{"config does not match the plugin's schema", "missing property 'file'"}},
		"unknown key": {schema: object, config: `{"file":"a.csv","fiel":"b"}`,
			wantErr: []string{"config does not match the plugin's schema", "additional properties 'fiel' not allowed"}},
		"wrong type": {schema: object, config: `{"file":5}`,
			wantErr: []string{"config does not match the plugin's schema", "/file", "got number, want string"}},
		"below minimum": {schema: object, config: `{"file":"a.csv","limit":0}`,
			wantErr: []string{"config does not match the plugin's schema", "/limit", "minimum"}},
		"config not JSON":             {schema: object, config: `{"file":`, wantErr: []string{"config is not JSON"}},
		"config with trailing data":   {schema: `{"type":"object"}`, config: `{} {}`, wantErr: []string{"config is not JSON"}},
		"schema not JSON":             {schema: `{"type":`, config: `{}`, wantErr: []string{"the plugin's config schema is not JSON"}},
		"schema does not compile":     {schema: `{"type":5}`, config: `{}`, wantErr: []string{"the plugin's config schema does not compile"}},
		"schema with unknown type":    {schema: `{"type":"integr"}`, config: `{}`, wantErr: []string{"does not compile"}},
		"schema with a dangling $ref": {schema: `{"$ref":"#/$defs/missing"}`, config: `{}`, wantErr: []string{"does not compile"}},
		"integer":                     {schema: integer, config: `{"n":3}`},
		"negative integer":            {schema: integer, config: `{"n":-3}`},
		"integer written as a float":  {schema: integer, config: `{"n":3.0}`},
		"integer in exponent form":    {schema: integer, config: `{"n":1e3}`},
		"integer beyond float64":      {schema: integer, config: `{"n":123456789012345678901234567890}`},
		"integer beyond int64 + .5":   {schema: integer, config: `{"n":9223372036854775807.5}`, wantErr: []string{"/n", "got number, want integer"}},
		"fraction is not an integer":  {schema: integer, config: `{"n":3.5}`, wantErr: []string{"/n", "got number, want integer"}},
		"string is not an integer":    {schema: integer, config: `{"n":"3"}`, wantErr: []string{"/n", "got string, want integer"}},
		"number takes a fraction":     {schema: number, config: `{"n":2.5}`},
		"number takes an integer":     {schema: number, config: `{"n":2}`},
		"number above maximum":        {schema: number, config: `{"n":10.000001}`, wantErr: []string{"/n", "maximum"}},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := ValidateConfig(tc.schema, []byte(tc.config))
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Errorf("ValidateConfig() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateConfig() = nil, want an error containing %q", tc.wantErr)
			}
			rest := err.Error()
			for _, want := range tc.wantErr {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("ValidateConfig() = %q, want it to contain %q (in order)", err, tc.wantErr)
				}
				rest = rest[i+len(want):]
			}
		})
	}
}
