package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/promotion"
)

// promotionRow is one promotion of the promotions file, with the fields
// of a promotion in acp.yaml.
type promotionRow struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Code        string   `json:"code"`
	Kind        string   `json:"kind"`
	Value       float64  `json:"value"`
	AppliesTo   string   `json:"applies_to"`
	Items       []string `json:"items"`
	Categories  []string `json:"categories"`
	MinSubtotal int64    `json:"min_subtotal"`
	StartsAt    string   `json:"starts_at"`
	EndsAt      string   `json:"ends_at"`
	MaxUses     int64    `json:"max_uses"`
	Combinable  bool     `json:"combinable"`
	Priority    int      `json:"priority"`
}

// promotion returns the row as the promotion engine takes it (the name
// defaults to the id, applies_to to order) and the problems of its value
// and times, which the engine's Check cannot see.
func (r promotionRow) promotion(i int) (promotion.Promotion, []string) {
	p := promotion.Promotion{
		ID: r.ID, Name: r.Name, Code: r.Code, Kind: r.Kind, AppliesTo: r.AppliesTo,
		Items: r.Items, Categories: r.Categories, MinSubtotal: r.MinSubtotal,
		MaxUses: r.MaxUses, Combinable: r.Combinable, Priority: r.Priority,
	}
	if p.Name == "" {
		p.Name = p.ID
	}
	if p.AppliesTo == "" {
		p.AppliesTo = promotion.AppliesToOrder
	}
	var problems []string
	if err := p.SetValue(r.Value); err != nil {
		problems = append(problems, fmt.Sprintf("promotions[%d].value: %v", i, err))
	}
	for _, t := range []struct {
		field, value string
		to           *time.Time
	}{{"starts_at", r.StartsAt, &p.StartsAt}, {"ends_at", r.EndsAt, &p.EndsAt}} {
		if t.value == "" {
			continue
		}
		at, err := promotion.ParseTime(t.value)
		if err != nil {
			problems = append(problems, fmt.Sprintf("promotions[%d].%s: %v", i, t.field, err))
		}
		*t.to = at
	}
	return p, problems
}

// loadPromotions reads and checks the promotions file at path: a JSON
// array of promotions, checked by the promotion engine's rules
// (promotion.Check).
func loadPromotions(path string) ([]promotion.Promotion, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("promotions file: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("promotions file %s: larger than %d MiB", filepath.Base(path), maxFileSize>>20)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var rows []promotionRow
	if err := dec.Decode(&rows); err != nil {
		return nil, fmt.Errorf("promotions file %s: %w", filepath.Base(path), err)
	}
	list := make([]promotion.Promotion, len(rows))
	var problems []string
	for i, r := range rows {
		var own []string
		list[i], own = r.promotion(i)
		problems = append(problems, own...)
	}
	for _, pr := range promotion.Check(list) {
		if pr.Field == "percent_off" || pr.Field == "amount_off" {
			pr.Field = "value" // the file's one field for both
		}
		problems = append(problems, pr.Error())
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("promotions file %s: %s", filepath.Base(path), strings.Join(problems, "; "))
	}
	return list, nil
}

// codeLimits returns the uses of each usage-limited code, by its upper
// case.
func codeLimits(promotions []promotion.Promotion) map[string]int64 {
	out := map[string]int64{}
	for _, p := range promotions {
		if p.Code != "" && p.MaxUses > 0 {
			out[strings.ToUpper(p.Code)] = p.MaxUses
		}
	}
	return out
}

// fileDiscounts is the optional capability catalog.discounts: the
// promotions file's promotions, decided by the SDK's promotion engine
// (sdk/promotion), the one the sidecar's built-in promotions use, so that
// a cart gets the same discounts from the plugin as from the same
// promotions in acp.yaml.
type fileDiscounts struct {
	engine atomic.Pointer[promotion.Engine]
}

// Interface guard.
var _ catalog.Discounts = (*fileDiscounts)(nil)

// set serves promotions, counting the uses of limited codes with book;
// nil promotions stop serving discounts.
func (d *fileDiscounts) set(promotions []promotion.Promotion, book *stockBook) {
	if promotions == nil {
		d.engine.Store(nil)
		return
	}
	d.engine.Store(promotion.New(promotions, book.usesLeft))
}

// Evaluate answers acp.ErrNotOffered without a promotions file (the host
// then applies acp.yaml's promotions), and the promotions' discounts
// otherwise.
func (d *fileDiscounts) Evaluate(ctx context.Context, req *catalog.DiscountRequest) (*catalog.DiscountResponse, error) {
	e := d.engine.Load()
	if e == nil {
		return nil, acp.ErrNotOffered
	}
	resp, err := e.Evaluate(ctx, req)
	if err != nil && !errors.Is(err, acp.ErrNotOffered) {
		return nil, fmt.Errorf("evaluate discounts: %w", err)
	}
	return resp, err
}
