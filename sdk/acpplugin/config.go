package acpplugin

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// DecodeConfig decodes the JSON configuration that Configure receives into
// v, strictly: an unknown key is an error, so a typo in acp.yaml is caught
// at start rather than silently ignored. Empty input leaves v unchanged.
func DecodeConfig(raw []byte, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode plugin config: %w", err)
	}
	if dec.More() {
		return fmt.Errorf("decode plugin config: trailing data after the JSON object")
	}
	return nil
}
