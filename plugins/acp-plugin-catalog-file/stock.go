package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// stateVersion is the version of the stock state file this release
// writes.
const stateVersion = 1

// keepDone is how long a committed or released hold is remembered, so
// that a late repeat of its call is still answered as the first was.
const keepDone = 7 * 24 * time.Hour

// Hold states in the state file.
const (
	holdHeld      = "held"
	holdCommitted = "committed"
	holdReleased  = "released"
	// holdLapsed: the hold's expiry passed; its units went back.
	holdLapsed = "lapsed"
)

// stockState is the stock state file: the counts of every
// stock-controlled SKU and every hold, by key.
type stockState struct {
	Version int                   `json:"version"`
	SKUs    map[string]*skuCount  `json:"skus"`
	Holds   map[string]*stockHold `json:"holds"`
}

// skuCount is one SKU's counts.
type skuCount struct {
	// FileFigure is the catalog file's stock figure last applied.
	FileFigure int64 `json:"file_figure"`
	// OnHand is the units on hand, every sale taken off.
	OnHand int64 `json:"on_hand"`
	// Sold is the units sold since OnHand was last set from the file.
	Sold int64 `json:"sold"`
	// SetAt is when OnHand was last set from the file.
	SetAt time.Time `json:"set_at"`
}

// stockHold is the units held under one key.
type stockHold struct {
	Lines     []holdLine `json:"lines"`
	ExpiresAt time.Time  `json:"expires_at"`
	State     string     `json:"state"`
	// DoneAt is when the hold was committed, released or lapsed.
	DoneAt time.Time `json:"done_at,omitzero"`
}

type holdLine struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// stockBook is the plugin's stock control: the counts, the holds, and the
// state file that keeps them. Every change is written to the file (a
// temporary file, synced, renamed over the old one, the directory synced)
// before it is answered, so that a crash loses nothing acknowledged.
type stockBook struct {
	logger *slog.Logger
	now    func() time.Time

	mu    sync.Mutex
	path  string // the state file; "" until configured
	state stockState
}

// Interface guard.
var _ catalog.StockReservations = (*stockBook)(nil)

// newStockBook returns a stock book that is not configured yet.
func newStockBook(logger *slog.Logger) *stockBook {
	return &stockBook{logger: logger, now: time.Now}
}

// statePathFor is the default state file of a catalog file.
func statePathFor(catalogPath string) string { return catalogPath + ".stock.json" }

// open loads the state file at path (a missing file is an empty state)
// and applies the catalog's figures.
func (b *stockBook) open(path string, loaded items) error {
	st := stockState{Version: stateVersion, SKUs: map[string]*skuCount{}, Holds: map[string]*stockHold{}}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("stock state: %w", err)
	default:
		if err := json.Unmarshal(data, &st); err != nil {
			return fmt.Errorf("stock state %s: %w", path, err)
		}
		if st.Version > stateVersion {
			return fmt.Errorf("stock state %s: version %d is newer than this plugin's (%d)", path, st.Version, stateVersion)
		}
		if st.SKUs == nil {
			st.SKUs = map[string]*skuCount{}
		}
		if st.Holds == nil {
			st.Holds = map[string]*stockHold{}
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.path, b.state = path, st
	return b.applyLocked(loaded)
}

// apply applies a reloaded catalog's figures.
func (b *stockBook) apply(loaded items) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.path == "" {
		return nil
	}
	return b.applyLocked(loaded)
}

// figures returns each stock-controlled SKU's figure in the catalog. Rows
// of one SKU in several currencies share one count; when they give
// different figures, the smallest counts.
func figures(loaded items) map[string]int64 {
	out := map[string]int64{}
	for key, it := range loaded {
		if it.Available == nil {
			continue
		}
		if f, ok := out[key.sku]; !ok || *it.Available < f {
			out[key.sku] = *it.Available
		}
	}
	return out
}

// applyLocked applies the catalog file's figures (the rule of
// docs/stock.md): a SKU's first figure is on hand; a figure that differs
// from the one last applied is a restock (on hand from now, sold from 0);
// the same figure changes nothing; a SKU without a figure is not
// stock-controlled and loses its count. It writes the state when anything
// changed.
func (b *stockBook) applyLocked(loaded items) error {
	figs := figures(loaded)
	now := b.now().UTC()
	changed := false
	for sku, f := range figs {
		c, ok := b.state.SKUs[sku]
		switch {
		case !ok:
			b.state.SKUs[sku] = &skuCount{FileFigure: f, OnHand: f, SetAt: now}
		case c.FileFigure != f:
			c.FileFigure, c.OnHand, c.Sold, c.SetAt = f, f, 0, now
		default:
			continue
		}
		changed = true
	}
	for sku := range b.state.SKUs {
		if _, ok := figs[sku]; !ok {
			delete(b.state.SKUs, sku)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return b.saveLocked()
}

// lapseLocked marks every held hold whose expiry passed as lapsed, giving
// its units back, and forgets holds done more than keepDone ago. It
// reports whether anything changed.
func (b *stockBook) lapseLocked(now time.Time) bool {
	changed := false
	for key, h := range b.state.Holds {
		switch {
		case h.State == holdHeld && !now.Before(h.ExpiresAt):
			h.State, h.DoneAt = holdLapsed, now
			changed = true
		case h.State != holdHeld && now.Sub(h.DoneAt) > keepDone:
			delete(b.state.Holds, key)
			changed = true
		}
	}
	return changed
}

// reservedLocked returns the units live holds keep of each SKU.
func (b *stockBook) reservedLocked() map[string]int64 {
	out := map[string]int64{}
	for _, h := range b.state.Holds {
		if h.State != holdHeld {
			continue
		}
		for _, l := range h.Lines {
			out[l.SKU] += l.Quantity
		}
	}
	return out
}

// availableLocked is what can still be held of a counted SKU.
func availableLocked(c *skuCount, reserved int64) int64 {
	return max(0, c.OnHand-reserved)
}

// Available returns the units of each stock-controlled SKU that can
// still be held, as of now (a hold past its expiry counts as given back).
func (b *stockBook) Available(skus []string) map[string]int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	reserved := map[string]int64{}
	for _, h := range b.state.Holds {
		if h.State != holdHeld || !now.Before(h.ExpiresAt) {
			continue
		}
		for _, l := range h.Lines {
			reserved[l.SKU] += l.Quantity
		}
	}
	out := map[string]int64{}
	for _, sku := range skus {
		if c, ok := b.state.SKUs[sku]; ok {
			out[sku] = availableLocked(c, reserved[sku])
		}
	}
	return out
}

// Reserve holds the request's units under its key, all or nothing.
func (b *stockBook) Reserve(_ context.Context, req *catalog.ReserveRequest) (*catalog.ReserveResponse, error) {
	if req.Key == "" {
		return nil, errors.New("reserve: the key is empty")
	}
	if req.ExpiresAt.IsZero() {
		return nil, errors.New("reserve: expires_at is not set")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.path == "" {
		return nil, errors.New("reserve: stock not configured")
	}
	now := b.now().UTC()
	lapsed := b.lapseLocked(now)
	if h, ok := b.state.Holds[req.Key]; ok {
		if lapsed {
			if err := b.saveLocked(); err != nil {
				return nil, err
			}
		}
		if h.State == holdHeld {
			return &catalog.ReserveResponse{Held: true}, nil
		}
		return nil, fmt.Errorf("reserve: hold %s is already %s", req.Key, h.State)
	}
	wanted := map[string]int64{}
	var order []string
	for _, l := range req.Lines {
		if l.Quantity < 1 {
			return nil, fmt.Errorf("reserve: quantity of %s must be at least 1, got %d", l.SKU, l.Quantity)
		}
		if _, seen := wanted[l.SKU]; !seen {
			order = append(order, l.SKU)
		}
		wanted[l.SKU] += l.Quantity
	}
	reserved := b.reservedLocked()
	h := &stockHold{ExpiresAt: req.ExpiresAt.UTC(), State: holdHeld}
	var short []catalog.Shortfall
	for _, sku := range order {
		c, ok := b.state.SKUs[sku]
		if !ok {
			continue // not stock-controlled: nothing to hold
		}
		if avail := availableLocked(c, reserved[sku]); avail < wanted[sku] {
			short = append(short, catalog.Shortfall{SKU: sku, Available: avail})
			continue
		}
		h.Lines = append(h.Lines, holdLine{SKU: sku, Quantity: wanted[sku]})
	}
	if len(short) > 0 {
		if lapsed {
			if err := b.saveLocked(); err != nil {
				return nil, err
			}
		}
		return &catalog.ReserveResponse{Shortfalls: short}, nil
	}
	b.state.Holds[req.Key] = h
	if err := b.saveLocked(); err != nil {
		delete(b.state.Holds, req.Key)
		return nil, err
	}
	return &catalog.ReserveResponse{Held: true}, nil
}

// Commit sells the key's units.
func (b *stockBook) Commit(_ context.Context, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	h, ok := b.state.Holds[key]
	switch {
	case b.path == "":
		return errors.New("commit: stock not configured")
	case !ok:
		return fmt.Errorf("commit: no hold %s", key)
	case h.State == holdCommitted:
		return nil
	case h.State == holdReleased:
		return fmt.Errorf("commit: hold %s was released", key)
	}
	prev := *h
	if h.State == holdLapsed {
		// The order exists: its units are sold even though the hold
		// lapsed; the count may then go below what other holds keep.
		b.logger.Warn("committing a hold that lapsed; its units are sold all the same", "key", key)
	}
	for _, l := range h.Lines {
		if c, ok := b.state.SKUs[l.SKU]; ok {
			c.OnHand -= l.Quantity
			c.Sold += l.Quantity
		}
	}
	h.State, h.DoneAt = holdCommitted, b.now().UTC()
	if err := b.saveLocked(); err != nil {
		for _, l := range h.Lines {
			if c, ok := b.state.SKUs[l.SKU]; ok {
				c.OnHand += l.Quantity
				c.Sold -= l.Quantity
			}
		}
		*h = prev
		return err
	}
	return nil
}

// Release gives the key's units back. An unknown key is remembered as
// released, so that a Reserve arriving late with it holds nothing.
func (b *stockBook) Release(_ context.Context, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.path == "" {
		return errors.New("release: stock not configured")
	}
	h, ok := b.state.Holds[key]
	switch {
	case !ok:
		h = &stockHold{State: holdReleased}
		b.state.Holds[key] = h
	case h.State == holdCommitted:
		return fmt.Errorf("release: hold %s was committed", key)
	case h.State == holdReleased || h.State == holdLapsed:
		return nil
	}
	prev := *h
	h.State, h.DoneAt = holdReleased, b.now().UTC()
	if err := b.saveLocked(); err != nil {
		if ok {
			*h = prev
		} else {
			delete(b.state.Holds, key)
		}
		return err
	}
	return nil
}

// saveLocked writes the state file atomically and durably.
func (b *stockBook) saveLocked() error {
	data, err := json.MarshalIndent(b.state, "", "  ")
	if err != nil {
		return fmt.Errorf("stock state: %w", err)
	}
	if err := writeFileAtomic(b.path, data); err != nil {
		return acp.Retryable(fmt.Errorf("stock state: %w", err))
	}
	return nil
}

// writeFileAtomic replaces path with data: a temporary file in the same
// directory is written and synced, renamed over path, and the directory
// synced, so that path holds either the old or the new content after a
// crash, and the new one once this returns.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }() // gone after the rename
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }()
	return d.Sync()
}
