package acpwire

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRequestSchemas checks the generated schemas: required members, no
// $ref, and the shape of the quantity and nested objects.
func TestRequestSchemas(t *testing.T) {
	t.Parallel()
	schemas, err := RequestSchemas()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		OpCreate:   {"line_items", "currency", "capabilities"},
		OpUpdate:   nil,
		OpComplete: {"payment_data"},
		OpCancel:   nil,
	}
	for op, required := range want {
		s := schemas[op]
		if s == nil {
			t.Fatalf("no %s schema", op)
		}
		if strings.Join(s.Required, ",") != strings.Join(required, ",") {
			t.Errorf("%s required = %v, want %v", op, s.Required, required)
		}
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "$ref") || strings.Contains(string(data), `"additionalProperties":false`) {
			t.Errorf("%s schema has a $ref or closes its members: %s", op, data)
		}
	}
	create := schemas[OpCreate]
	item := create.Properties["line_items"].Items
	if item.Properties["quantity"].Type != "number" || strings.Join(item.Required, ",") != "id" {
		t.Errorf("line item schema = %+v", item)
	}
	address := create.Properties["fulfillment_details"].Properties["address"]
	if strings.Join(address.Required, ",") != "name,line_one,city,state,country,postal_code" {
		t.Errorf("address required = %v", address.Required)
	}
	credential := schemas[OpComplete].Properties["payment_data"].Properties["instrument"].Properties["credential"]
	if strings.Join(credential.Required, ",") != "type,token" {
		t.Errorf("credential required = %v", credential.Required)
	}
}
