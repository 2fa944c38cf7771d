package feedtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
)

// currencyPattern is an upper-case ISO 4217 code.
var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// product is what the server's own checks read of a product.
type product struct {
	ID       *string `json:"id"`
	Variants *[]struct {
		ID    *string `json:"id"`
		Title *string `json:"title"`
		Price *struct {
			Amount   json.Number `json:"amount"`
			Currency string      `json:"currency"`
		} `json:"price"`
	} `json:"variants"`
}

// checkUpsert makes the server's own structural checks of an upsert body,
// independent of the schema: a JSON object with at least one product,
// each with a unique non-empty id and variants, each variant with a
// non-empty id and a title, and a price, when it has one, in whole
// non-negative minor units of an upper-case currency. It returns the
// products' ids and bodies, or the error and the member at fault.
func checkUpsert(body []byte) (ids []string, products []json.RawMessage, param string, err error) {
	var req struct {
		Products []json.RawMessage `json:"products"`
	}
	if err := decodeObject(bytes.NewReader(body), &req); err != nil {
		return nil, nil, "", err
	}
	if len(req.Products) == 0 {
		return nil, nil, "products", errors.New("products must contain at least one valid Product")
	}
	seen := map[string]bool{}
	for i, raw := range req.Products {
		param := fmt.Sprintf("products[%d]", i)
		var p product
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&p); err != nil {
			return nil, nil, param, fmt.Errorf("not a product: %w", err)
		}
		switch {
		case p.ID == nil || *p.ID == "":
			return nil, nil, param + ".id", errors.New("a product needs an id")
		case seen[*p.ID]:
			return nil, nil, param + ".id", fmt.Errorf("product %s is in the request twice", *p.ID)
		case p.Variants == nil:
			return nil, nil, param + ".variants", errors.New("a product needs variants")
		}
		seen[*p.ID] = true
		for j, v := range *p.Variants {
			vparam := fmt.Sprintf("%s.variants[%d]", param, j)
			switch {
			case v.ID == nil || *v.ID == "":
				return nil, nil, vparam + ".id", errors.New("a variant needs an id")
			case v.Title == nil:
				return nil, nil, vparam + ".title", errors.New("a variant needs a title")
			}
			if v.Price == nil {
				continue
			}
			if n, err := v.Price.Amount.Int64(); err != nil || n < 0 {
				return nil, nil, vparam + ".price.amount", errors.New("an amount is a whole number of minor units, at least 0")
			}
			if !currencyPattern.MatchString(v.Price.Currency) {
				return nil, nil, vparam + ".price.currency", errors.New("a currency is an upper-case ISO 4217 code")
			}
		}
		ids = append(ids, *p.ID)
	}
	return ids, req.Products, "", nil
}

// decodeObject decodes one JSON object from r into v.
func decodeObject(r io.Reader, v any) error {
	var raw json.RawMessage
	if err := json.NewDecoder(r).Decode(&raw); err != nil {
		return fmt.Errorf("the body is not JSON: %w", err)
	}
	if len(raw) == 0 || raw[0] != '{' {
		return errors.New("the body is not a JSON object")
	}
	return json.Unmarshal(raw, v)
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers status with the Feed API's error body.
func writeError(w http.ResponseWriter, status int, typ, code, message, param string) {
	body := map[string]string{"type": typ, "code": code, "message": message}
	if param != "" {
		body["param"] = param
	}
	writeJSON(w, status, body)
}
