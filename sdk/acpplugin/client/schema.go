package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ValidateConfig checks a plugin's configuration block (JSON) against the
// JSON Schema the plugin declares. An empty schema accepts only an absent
// or empty block.
func ValidateConfig(schema string, config []byte) error {
	if strings.TrimSpace(schema) == "" {
		if !isEmptyConfig(config) {
			return fmt.Errorf("config: the plugin takes no configuration, but a config block is set")
		}
		return nil
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		return fmt.Errorf("the plugin's config schema is not JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("https://acp-sidecar.invalid/plugin-config.json", doc); err != nil {
		return fmt.Errorf("the plugin's config schema: %w", err)
	}
	sch, err := c.Compile("https://acp-sidecar.invalid/plugin-config.json")
	if err != nil {
		return fmt.Errorf("the plugin's config schema does not compile: %w", err)
	}
	if len(bytes.TrimSpace(config)) == 0 {
		config = []byte("{}")
	}
	value, err := jsonschema.UnmarshalJSON(bytes.NewReader(config))
	if err != nil {
		return fmt.Errorf("config is not JSON: %w", err)
	}
	if err := sch.Validate(value); err != nil {
		return fmt.Errorf("config does not match the plugin's schema: %w", err)
	}
	return nil
}

// isEmptyConfig reports whether config is absent, null or an empty object,
// however it is spaced.
func isEmptyConfig(config []byte) bool {
	if len(bytes.TrimSpace(config)) == 0 {
		return true
	}
	var v any
	if err := json.Unmarshal(config, &v); err != nil {
		return false
	}
	obj, isObject := v.(map[string]any)
	return v == nil || isObject && len(obj) == 0
}
