package acpplugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	// dec.More would miss a stray closing } or ]: only the end of input
	// may follow the object.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("decode plugin config: trailing data after the JSON object")
	}
	return nil
}
