package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// maxFileSize bounds the catalog file read into memory.
const maxFileSize = 64 << 20

// maxProblems bounds the problems one load reports.
const maxProblems = 10

// defaultTaxCategory is an item's tax category when the file gives none.
const defaultTaxCategory = "standard"

// weightUnits are the weight units an item may use.
var weightUnits = []string{"g", "kg", "oz", "lb"}

// itemKey identifies an item by sku and currency; currency is "" for an
// item served in any currency.
type itemKey struct{ sku, currency string }

// items is one loaded catalog.
type items map[itemKey]catalog.Item

// lookup returns the item id in currency (normalized), if the catalog has
// it.
func (c items) lookup(id, currency string) (catalog.Item, bool) {
	if it, ok := c[itemKey{id, currency}]; ok {
		return it, true
	}
	it, ok := c[itemKey{id, ""}]
	return it, ok
}

// row is one item as the file writes it, shared by both formats.
type row struct {
	SKU              string   `json:"sku"`
	Title            string   `json:"title"`
	Description      string   `json:"description"`
	UnitPrice        *int64   `json:"unit_price"`
	Currency         string   `json:"currency"`
	TaxCategory      string   `json:"tax_category"`
	WeightValue      *float64 `json:"weight_value"`
	WeightUnit       string   `json:"weight_unit"`
	Stock            *int64   `json:"stock"`
	MaxPerOrder      int64    `json:"max_per_order"`
	FulfillmentTypes []string `json:"fulfillment_types"`
	Images           []string `json:"images"`
	ProductID        string   `json:"product_id"`
	Escalation       string   `json:"escalation"`
	EscalationReason string   `json:"escalation_reason"`
	ContinueURL      string   `json:"continue_url"`
	Categories       []string `json:"categories"`
}

// problems collects what is wrong with a file, up to maxProblems.
type problems struct {
	list    []string
	dropped int
}

func (p *problems) add(where, format string, args ...any) {
	if len(p.list) == maxProblems {
		p.dropped++
		return
	}
	p.list = append(p.list, where+": "+fmt.Sprintf(format, args...))
}

func (p *problems) err(path string) error {
	if len(p.list) == 0 {
		return nil
	}
	msg := strings.Join(p.list, "; ")
	if p.dropped > 0 {
		msg += fmt.Sprintf("; and %d more", p.dropped)
	}
	return fmt.Errorf("catalog file %s: %s", filepath.Base(path), msg)
}

// format is a catalog file's format, told by its extension.
type format int

const (
	formatCSV format = iota
	formatJSON
)

// formatOf returns the format of the file at path, refusing an extension
// that names no supported format.
func formatOf(path string) (format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return formatCSV, nil
	case ".json":
		return formatJSON, nil
	}
	return 0, fmt.Errorf("catalog file %s: unsupported extension %q: use .csv or .json", filepath.Base(path), filepath.Ext(path))
}

// readFile reads the catalog file at path, at most maxFileSize+1 bytes
// of it. Its error is the file's (missing, unreadable), never the
// content's.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("catalog file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("catalog file: %w", err)
	}
	return data, nil
}

// parseItems validates data, the content of the catalog file at path in
// format. Rows without a currency take currency (already normalized; ""
// for any currency).
func parseItems(path string, format format, data []byte, currency string) (items, error) {
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("catalog file %s: larger than %d MiB", filepath.Base(path), maxFileSize>>20)
	}
	var ps problems
	var rows []located
	if format == formatCSV {
		rows = parseCSV(data, &ps)
	} else {
		rows = parseJSON(data, &ps)
	}
	out := buildItems(rows, currency, &ps)
	if err := ps.err(path); err != nil {
		return nil, err
	}
	return out, nil
}

// located is a row and where the file has it, for problem reports.
type located struct {
	where string
	row   row
}

// csvColumns are the CSV columns, as lower-case header names.
var csvColumns = []string{
	"sku", "title", "description", "unit_price", "currency", "tax_category", "weight_value", "weight_unit",
	"stock", "max_per_order", "fulfillment_types", "images", "product_id",
	"escalation", "escalation_reason", "continue_url", "categories",
}

// parseCSV parses a CSV catalog: a header row, then one row per item.
func parseCSV(data []byte, ps *problems) []located {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	r.Comment = '#'
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		ps.add("line 1", "the file is empty: a header row is required")
		return nil
	}
	if err != nil {
		ps.add("header", "%v", err)
		return nil
	}
	col := map[string]int{}
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(name))
		switch _, dup := col[name]; {
		case !slices.Contains(csvColumns, name):
			ps.add("header", "unknown column %q (columns: %s)", name, strings.Join(csvColumns, ", "))
		case dup:
			ps.add("header", "duplicate column %q", name)
		}
		col[name] = i
	}
	for _, required := range []string{"sku", "title", "unit_price"} {
		if _, ok := col[required]; !ok {
			ps.add("header", "the %q column is required", required)
		}
	}
	if len(ps.list) > 0 {
		return nil
	}
	var rows []located
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			ps.add("csv", "%v", err)
			return nil
		}
		line, _ := r.FieldPos(0)
		where := fmt.Sprintf("line %d", line)
		field := func(name string) string {
			if i, ok := col[name]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		rows = append(rows, located{where: where, row: csvRow(field, where, ps)})
	}
}

// csvRow converts one CSV record's fields to a row.
func csvRow(field func(string) string, where string, ps *problems) row {
	rw := row{
		SKU: field("sku"), Title: field("title"), Description: field("description"), Currency: field("currency"),
		TaxCategory: field("tax_category"), WeightUnit: field("weight_unit"), ProductID: field("product_id"),
		Escalation: field("escalation"), EscalationReason: field("escalation_reason"), ContinueURL: field("continue_url"),
		FulfillmentTypes: splitList(field("fulfillment_types")), Images: splitList(field("images")),
		Categories: splitList(field("categories")),
	}
	integer := func(name string) *int64 {
		s := field(name)
		if s == "" {
			return nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			ps.add(where, "%s: %q is not an integer", name, s)
			return nil
		}
		return &n
	}
	if s := field("unit_price"); s == "" {
		rw.UnitPrice = nil // reported as missing by check
	} else if n, err := strconv.ParseInt(s, 10, 64); err != nil {
		ps.add(where, "unit_price: %q is not an integer amount in minor units (write 1500 for 15.00)", s)
		zero := int64(0)
		rw.UnitPrice = &zero // reported; keep the missing-price check quiet
	} else {
		rw.UnitPrice = &n
	}
	rw.Stock = integer("stock")
	if n := integer("max_per_order"); n != nil {
		rw.MaxPerOrder = *n
	}
	if s := field("weight_value"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			ps.add(where, "weight_value: %q is not a number", s)
		} else {
			rw.WeightValue = &v
		}
	}
	return rw
}

// splitList splits a '|'-separated CSV field, dropping empty parts.
func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, "|") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// parseJSON parses a JSON catalog: an array of item objects.
func parseJSON(data []byte, ps *problems) []located {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		ps.add("json", "the file must be a JSON array of item objects: %v", err)
		return nil
	}
	rows := make([]located, 0, len(raw))
	for i, msg := range raw {
		where := fmt.Sprintf("item [%d]", i)
		var rw row
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rw); err != nil {
			ps.add(where, "%v", err)
			continue
		}
		rows = append(rows, located{where: where, row: rw})
	}
	return rows
}

// buildItems validates rows and indexes them by sku and currency.
func buildItems(rows []located, currency string, ps *problems) items {
	out := make(items, len(rows))
	firstAt := map[itemKey]string{}
	currencies := map[string][]string{} // sku → its rows' currencies
	for _, lr := range rows {
		it, cur, ok := lr.row.item(lr.where, currency, ps)
		if !ok {
			continue
		}
		key := itemKey{it.ID, cur}
		if prev, dup := firstAt[key]; dup {
			ps.add(lr.where, "duplicate sku %q%s (also %s)", it.ID, inCurrency(cur), prev)
			continue
		}
		firstAt[key] = lr.where
		currencies[it.ID] = append(currencies[it.ID], cur)
		out[key] = it
	}
	for _, lr := range rows {
		if cs := currencies[lr.row.SKU]; len(cs) > 1 && slices.Contains(cs, "") && firstAt[itemKey{lr.row.SKU, ""}] == lr.where {
			ps.add(lr.where, "sku %q has a row without a currency and rows with one: give every row of it a currency", lr.row.SKU)
		}
	}
	return out
}

func inCurrency(cur string) string {
	if cur == "" {
		return ""
	}
	return " in " + cur
}

// item validates a row and converts it to a catalog item and the currency
// it is served in ("" for any).
func (r row) item(where, defaultCurrency string, ps *problems) (catalog.Item, string, bool) {
	before := len(ps.list) + ps.dropped
	it := catalog.Item{
		ID: r.SKU, Found: true, Title: r.Title, Description: r.Description, Images: r.Images,
		TaxCategory: r.TaxCategory, Available: r.Stock, MaxPerOrder: r.MaxPerOrder, ProductID: r.ProductID,
		Categories: r.Categories,
	}
	if strings.TrimSpace(r.SKU) == "" {
		ps.add(where, "sku is required")
	}
	if strings.TrimSpace(r.Title) == "" {
		ps.add(where, "title is required")
	}
	switch {
	case r.UnitPrice == nil:
		ps.add(where, "unit_price is required (an integer amount in minor units)")
	case *r.UnitPrice < 0:
		ps.add(where, "unit_price must be 0 or more, got %d", *r.UnitPrice)
	default:
		it.UnitPrice = *r.UnitPrice
	}
	cur := defaultCurrency
	if r.Currency != "" {
		cur = acp.NormalizeCurrency(r.Currency)
		if !isCurrencyCode(cur) {
			ps.add(where, "currency %q is not a 3-letter ISO 4217 code", r.Currency)
		}
	}
	if it.TaxCategory == "" {
		it.TaxCategory = defaultTaxCategory
	}
	switch unit := strings.ToLower(r.WeightUnit); {
	case r.WeightValue == nil && unit == "":
	case r.WeightValue == nil:
		ps.add(where, "weight_unit is set but weight_value is not")
	case unit == "":
		ps.add(where, "weight_value is set but weight_unit is not")
	case !slices.Contains(weightUnits, unit):
		ps.add(where, "weight_unit must be one of %s, got %q", strings.Join(weightUnits, ", "), r.WeightUnit)
	case !(*r.WeightValue > 0) || math.IsInf(*r.WeightValue, 0):
		ps.add(where, "weight_value must be a number greater than 0, got %v", *r.WeightValue)
	default:
		it.Weight = &acp.Weight{Value: *r.WeightValue, Unit: unit}
	}
	if r.Stock != nil && *r.Stock < 0 {
		ps.add(where, "stock must be 0 or more (leave it empty for unlimited), got %d", *r.Stock)
	}
	if r.MaxPerOrder < 0 {
		ps.add(where, "max_per_order must be 0 (no cap) or more, got %d", r.MaxPerOrder)
	}
	types := r.FulfillmentTypes
	if len(types) == 0 {
		types = []string{string(acp.FulfillmentShipping)}
	}
	for _, t := range types {
		ft := acp.FulfillmentType(strings.ToLower(t))
		switch {
		case !ft.Valid():
			ps.add(where, "fulfillment type %q is not one of shipping, digital, pickup, local_delivery", t)
		case slices.Contains(it.FulfillmentTypes, ft):
			ps.add(where, "duplicate fulfillment type %q", t)
		default:
			it.FulfillmentTypes = append(it.FulfillmentTypes, ft)
		}
	}
	for _, img := range r.Images {
		if !httpURL(img) {
			ps.add(where, "image %q is not an absolute http(s) URL", img)
		}
	}
	it.Escalation = r.escalation(where, ps)
	return it, cur, len(ps.list)+ps.dropped == before
}

// isCurrencyCode reports whether s is three lower-case ASCII letters.
func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// httpURL reports whether s is an absolute http(s) URL.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
