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

	acpconfig "github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// promotionRow is one promotion of the promotions file, with the fields
// of a promotion in acp.yaml (acpconfig.Promotion, which it converts to).
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

// loadPromotions reads and checks the promotions file at path: a JSON
// array of promotions, checked by acp.yaml's rules.
func loadPromotions(path string) ([]builtin.Promotion, error) {
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
	list := make([]acpconfig.Promotion, len(rows))
	for i, r := range rows {
		list[i] = acpconfig.Promotion(r)
	}
	if err := acpconfig.CheckPromotions(list); err != nil {
		return nil, fmt.Errorf("promotions file %s: %s", filepath.Base(path), strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return builtin.PromotionsFromConfig(list), nil
}

// codeLimits returns the uses of each usage-limited code, by its upper
// case.
func codeLimits(promotions []builtin.Promotion) map[string]int64 {
	out := map[string]int64{}
	for _, p := range promotions {
		if p.Code != "" && p.MaxUses > 0 {
			out[strings.ToUpper(p.Code)] = p.MaxUses
		}
	}
	return out
}

// fileDiscounts is the optional capability catalog.discounts: the
// promotions file's promotions, decided by the sidecar's own promotion
// engine (core/builtin), so that a cart gets the same discounts from
// the plugin as from the same promotions in acp.yaml.
type fileDiscounts struct {
	engine atomic.Pointer[builtin.Discounts]
}

// Interface guard.
var _ catalog.Discounts = (*fileDiscounts)(nil)

// set serves promotions, counting the uses of limited codes with book;
// nil promotions stop serving discounts.
func (d *fileDiscounts) set(promotions []builtin.Promotion, book *stockBook) {
	if promotions == nil {
		d.engine.Store(nil)
		return
	}
	d.engine.Store(builtin.NewDiscounts(promotions, book.usesLeft))
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
