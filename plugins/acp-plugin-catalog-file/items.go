package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
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

	// The product the row is a variant of (with ProductID), for product
	// feeds (products.go).
	ProductTitle       string   `json:"product_title"`
	ProductDescription string   `json:"product_description"`
	ProductURL         string   `json:"product_url"`
	ProductImages      []string `json:"product_images"`
	// The variant's own feed fields.
	URL                string         `json:"url"`
	ListPrice          int64          `json:"list_price"`
	Barcodes           []barcodeField `json:"barcodes"`
	Options            []optionField  `json:"options"`
	Condition          []string       `json:"condition"`
	AvailabilityStatus string         `json:"availability_status"`
	SellerName         string         `json:"seller_name"`
}

// barcodeField is one of a row's barcodes.
type barcodeField struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// optionField is one of a row's variant options.
type optionField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
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

// content is one loaded catalog file: its items, and its products for
// the listing.
type content struct {
	// items are the completed items (products.go), as ResolveItems
	// answers them.
	items items
	// products are the items grouped into products, by id.
	products []product
	// skus are the items' skus, sorted, each once.
	skus []string
	// sum is the file's SHA-256; version tells this content from any
	// other: the file's and the configured currency's.
	sum     [sha256.Size]byte
	version string
}

// parseItems validates data, the content of the catalog file at path in
// format. Rows without a currency take currency (already normalized; ""
// for any currency).
func parseItems(path string, format format, data []byte, currency string) (*content, error) {
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
	out, entries := buildItems(rows, currency, &ps)
	products := buildProducts(entries, out, &ps)
	if err := ps.err(path); err != nil {
		return nil, err
	}
	c := &content{items: out, products: products, sum: sha256.Sum256(data)}
	for key := range out {
		c.skus = append(c.skus, key.sku)
	}
	slices.Sort(c.skus)
	c.skus = slices.Compact(c.skus)
	c.version = hex.EncodeToString(c.sum[:]) + "/" + currency
	return c, nil
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
	"product_title", "product_description", "product_url", "product_images",
	"url", "list_price", "barcodes", "options", "condition", "availability_status", "seller_name",
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
	for _, required := range []string{"sku", "unit_price"} {
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
		Categories:   splitList(field("categories")),
		ProductTitle: field("product_title"), ProductDescription: field("product_description"), ProductURL: field("product_url"),
		ProductImages: splitList(field("product_images")), URL: field("url"), Condition: splitList(field("condition")),
		AvailabilityStatus: field("availability_status"), SellerName: field("seller_name"),
	}
	for _, pair := range splitPairs(field("barcodes"), ":", "barcodes", "TYPE:VALUE, such as GTIN:00012345600012", where, ps) {
		rw.Barcodes = append(rw.Barcodes, barcodeField{Type: pair[0], Value: pair[1]})
	}
	for _, pair := range splitPairs(field("options"), "=", "options", "NAME=VALUE, such as Color=Red", where, ps) {
		rw.Options = append(rw.Options, optionField{Name: pair[0], Value: pair[1]})
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
	if n := integer("list_price"); n != nil {
		rw.ListPrice = *n
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

// splitPairs splits a ';'-separated CSV field of pairs, each written
// "first<sep>second" (cut at the first sep), dropping empty parts; a part
// without sep, or with either side empty, is a problem of column, which
// form describes.
func splitPairs(s, sep, column, form, where string, ps *problems) [][2]string {
	var out [][2]string
	for part := range strings.SplitSeq(s, ";") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		first, second, ok := strings.Cut(part, sep)
		first, second = strings.TrimSpace(first), strings.TrimSpace(second)
		if !ok || first == "" || second == "" {
			ps.add(where, "%s: %q is not %s (separate several with \";\")", column, part, form)
			continue
		}
		out = append(out, [2]string{first, second})
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

// entry is a valid row: where the file has it, its key, and its variant
// as written (products.go completes it).
type entry struct {
	located
	key     itemKey
	variant catalog.Variant
}

// buildItems validates rows and indexes them by sku and currency. It
// returns the valid rows too, in file order.
func buildItems(rows []located, currency string, ps *problems) (items, []entry) {
	out := make(items, len(rows))
	var entries []entry
	firstAt := map[itemKey]string{}
	currencies := map[string][]string{} // sku → its rows' currencies
	for _, lr := range rows {
		v, cur, ok := lr.row.variant(lr.where, currency, ps)
		if !ok {
			continue
		}
		key := itemKey{v.Item.ID, cur}
		if prev, dup := firstAt[key]; dup {
			ps.add(lr.where, "duplicate sku %q%s (also %s)", v.Item.ID, inCurrency(cur), prev)
			continue
		}
		firstAt[key] = lr.where
		currencies[v.Item.ID] = append(currencies[v.Item.ID], cur)
		out[key] = v.Item
		entries = append(entries, entry{located: lr, key: key, variant: v})
	}
	for _, lr := range rows {
		if cs := currencies[lr.row.SKU]; len(cs) > 1 && slices.Contains(cs, "") && firstAt[itemKey{lr.row.SKU, ""}] == lr.where {
			ps.add(lr.where, "sku %q has a row without a currency and rows with one: give every row of it a currency", lr.row.SKU)
		}
	}
	return out, entries
}

func inCurrency(cur string) string {
	if cur == "" {
		return ""
	}
	return " in " + cur
}

// item validates a row's item fields and converts them to a catalog item
// and the currency it is served in ("" for any). A row of a product may
// leave its title to the product (products.go).
func (r row) item(where, defaultCurrency string, ps *problems) (catalog.Item, string) {
	it := catalog.Item{
		ID: r.SKU, Found: true, Title: r.Title, Description: r.Description, Images: r.Images,
		TaxCategory: r.TaxCategory, Available: r.Stock, MaxPerOrder: r.MaxPerOrder, ProductID: r.ProductID,
		Categories: r.Categories,
	}
	if strings.TrimSpace(r.SKU) == "" {
		ps.add(where, "sku is required")
	}
	if strings.TrimSpace(r.Title) == "" {
		it.Title = "" // named after its product, if it has one
		if r.ProductID == "" {
			ps.add(where, "title is required")
		}
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
	return it, cur
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
