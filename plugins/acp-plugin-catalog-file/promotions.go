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

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/promotion"
)

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
	var rows []promotion.Written
	if err := dec.Decode(&rows); err != nil {
		return nil, fmt.Errorf("promotions file %s: %w", filepath.Base(path), err)
	}
	list := make([]promotion.Promotion, len(rows))
	var problems []string
	for i, r := range rows {
		var own []promotion.Problem
		list[i], own = r.Promotion(i)
		for _, pr := range own {
			problems = append(problems, pr.Error())
		}
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
