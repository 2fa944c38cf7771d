package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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
	// Codes counts the uses of usage-limited discount codes, by their
	// upper case.
	Codes map[string]*codeCount `json:"codes,omitempty"`
}

// codeCount is one usage-limited discount code's count.
type codeCount struct {
	// Used is the orders placed with the code.
	Used int64 `json:"used"`
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
	Lines []holdLine `json:"lines"`
	// Codes are the usage-limited discount codes the hold uses, one use
	// each, by their upper case.
	Codes     []string  `json:"codes,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
	State     string    `json:"state"`
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
// before it is answered, so that a crash loses nothing acknowledged. Every
// change is made under an exclusive lock on "<state file>.lock", on the
// file as it is on disk (read again when another process replaced it
// since), so that two processes sharing the file (`acp plugins describe`
// beside a running server, or a plugin outliving its host) never undo
// each other's changes.
type stockBook struct {
	logger *slog.Logger
	now    func() time.Time

	mu   sync.Mutex
	path string // the state file; "" until configured
	// off: no SKU has a stock figure and no state file exists, so stock
	// is not counted and nothing is written (a read-only catalog folder
	// works); the reservation calls answer acp.ErrNotOffered.
	off bool
	// readOnly: configured by inspect; nothing is ever written.
	readOnly bool
	state    stockState
	// limits are the uses of each usage-limited discount code, by its
	// upper case (the promotions file's max_uses).
	limits map[string]int64
	// seen is the state file's stat when state was last read or written.
	seen fileStat
	// version changes whenever state may have: it names what can be held
	// of every sku, for the listing's change tokens (listing.go).
	version uint64
}

// Interface guard.
var _ catalog.StockReservations = (*stockBook)(nil)

// discountShortfallPrefix starts the SKU of a Shortfall that is a
// discount code with no use left (catalog.ReserveRequest.DiscountCodes).
const discountShortfallPrefix = "discount:"

// newStockBook returns a stock book that is not configured yet.
func newStockBook(logger *slog.Logger) *stockBook {
	return &stockBook{logger: logger, now: time.Now}
}

// statePathFor is the default state file of a catalog file.
func statePathFor(catalogPath string) string { return catalogPath + ".stock.json" }

// open takes the state file at path (a missing file is an empty state)
// and applies the catalog's figures. A catalog without any stock figure
// and no state file counts nothing and writes nothing. Temporary files a
// crash left beside the state file are removed.
func (b *stockBook) open(path string, loaded items, limits map[string]int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.path, b.seen, b.readOnly, b.limits = path, fileStat{}, false, limits
	b.version++
	if b.off = len(limits) == 0 && countsNothing(path, loaded); b.off {
		return nil
	}
	return b.changeLocked(func(time.Time) (bool, error) {
		removeStaleTemps(b.logger, path)
		return b.applyFigures(loaded), nil
	})
}

// inspect checks the state file at path as open would (a state file that
// cannot be read, or is of a newer release, is an error) without taking
// its lock, applying figures or writing anything, and leaves the book
// holding nothing (acp.ErrNotOffered) and answering snapshot from the
// file: what `acp plugins describe` and `acp feed export` do beside a
// running server. The file is replaced whole by its writers, so
// reading it unlocked sees one whole version.
func (b *stockBook) inspect(path string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.path, b.seen, b.off, b.readOnly = path, fileStat{}, true, true
	b.version++
	if _, err := statFile(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return b.loadLocked()
}

// countsNothing reports that the plugin has no stock to count: no row
// has a stock figure and there is no state file (an earlier figure's
// sales or holds) to keep.
func countsNothing(path string, loaded items) bool {
	if len(figures(loaded)) > 0 {
		return false
	}
	_, err := statFile(path)
	return errors.Is(err, os.ErrNotExist)
}

// removeStaleTemps removes the temporary files of writeFileAtomic that a
// crash left beside the state file. Called under the file lock, so that
// no live writer's file is removed.
func removeStaleTemps(logger *slog.Logger, path string) {
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+globEscape(filepath.Base(path))+".*.tmp"))
	for _, f := range stale {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			logger.Warn("removing a stock state temporary file left by a crash", "file", filepath.Base(f), "error", err.Error())
		}
	}
}

// globEscape escapes the pattern characters of name for filepath.Glob.
func globEscape(name string) string {
	var out []rune
	for _, r := range name {
		if r == '*' || r == '?' || r == '[' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

// loadLocked reads the state file again when it is not the one last read
// or written here.
func (b *stockBook) loadLocked() error {
	st, err := statFile(b.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if b.seen == (fileStat{}) && b.state.SKUs != nil {
			return nil
		}
		b.state, b.seen = stockState{Version: stateVersion, SKUs: map[string]*skuCount{}, Holds: map[string]*stockHold{}, Codes: map[string]*codeCount{}}, fileStat{}
		b.version++
		return nil
	case err != nil:
		// A passing disk error: the host asks again.
		return acp.Retryable(fmt.Errorf("stock state: %w", err))
	case st == b.seen:
		return nil
	}
	data, err := os.ReadFile(b.path)
	if err != nil {
		return acp.Retryable(fmt.Errorf("stock state: %w", err))
	}
	state := stockState{}
	if err := json.Unmarshal(data, &state); err != nil {
		// The file is replaced whole (writeFileAtomic): a read that does
		// not parse is a disk or filesystem fault, worth another try.
		return acp.Retryable(fmt.Errorf("stock state %s: %w", b.path, err))
	}
	if state.Version > stateVersion {
		return fmt.Errorf("stock state %s: version %d is newer than this plugin's (%d)", b.path, state.Version, stateVersion)
	}
	if state.SKUs == nil {
		state.SKUs = map[string]*skuCount{}
	}
	if state.Holds == nil {
		state.Holds = map[string]*stockHold{}
	}
	if state.Codes == nil {
		state.Codes = map[string]*codeCount{}
	}
	state.Version = stateVersion
	b.state, b.seen = state, st
	b.version++
	return nil
}

// changeLocked runs change on the current state under the file lock and
// writes the state when change reports it changed anything. Expired holds
// lapse first. On any failure the state is read from the file again next
// time, so that nothing unwritten is ever served.
func (b *stockBook) changeLocked(change func(now time.Time) (bool, error)) error {
	unlock, err := lockFile(b.path + ".lock")
	if err != nil {
		return acp.Retryable(fmt.Errorf("stock state: %w", err))
	}
	defer unlock()
	if err := b.loadLocked(); err != nil {
		return err
	}
	now := b.now().UTC()
	lapsed := b.lapseLocked(now)
	changed, err := change(now)
	if err == nil && (changed || lapsed) {
		err = b.saveLocked()
	}
	if err != nil {
		b.seen = fileStat{}
		b.state.SKUs = nil
		b.version++
	}
	return err
}

// apply applies a reloaded catalog's figures.
func (b *stockBook) apply(loaded items) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.path == "" || b.readOnly {
		return nil
	}
	if b.off && len(b.limits) == 0 && countsNothing(b.path, loaded) {
		return nil
	}
	b.off = false
	b.version++
	return b.changeLocked(func(time.Time) (bool, error) { return b.applyFigures(loaded), nil })
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

// applyFigures applies the catalog file's figures (the rule of
// docs/stock.md): a SKU's first figure is on hand; a figure that differs
// from the one last applied is a restock (on hand from now, sold from 0);
// the same figure changes nothing; a SKU without a figure is not
// stock-controlled and loses its count. It reports whether anything
// changed.
func (b *stockBook) applyFigures(loaded items) bool {
	figs := figures(loaded)
	changed := false
	now := b.now().UTC()
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
	return changed
}

// lapseLocked marks every held hold whose expiry passed as lapsed, giving
// its units back, and forgets holds done more than keepDone ago. It
// reports whether anything changed.
func (b *stockBook) lapseLocked(now time.Time) bool {
	changed := false
	for key, h := range b.state.Holds {
		if !lapseDue(h, now) {
			continue
		}
		if h.State == holdHeld {
			h.State, h.DoneAt = holdLapsed, now
		} else {
			delete(b.state.Holds, key)
		}
		changed = true
	}
	return changed
}

// lapseDueLocked reports whether lapseLocked would change anything at now.
func (b *stockBook) lapseDueLocked(now time.Time) bool {
	for _, h := range b.state.Holds {
		if lapseDue(h, now) {
			return true
		}
	}
	return false
}

// lapseDue reports whether h is due to lapse (held past its expiry) or to
// be forgotten (done more than keepDone ago) at now.
func lapseDue(h *stockHold, now time.Time) bool {
	if h.State == holdHeld {
		return !now.Before(h.ExpiresAt)
	}
	return now.Sub(h.DoneAt) > keepDone
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

// heldCodesLocked returns the uses live holds keep of each code.
func (b *stockBook) heldCodesLocked() map[string]int64 {
	out := map[string]int64{}
	for _, h := range b.state.Holds {
		if h.State == holdHeld {
			for _, c := range h.Codes {
				out[c]++
			}
		}
	}
	return out
}

// codeLeftLocked is the uses of a limited code not yet sold (placed
// orders) nor held.
func (b *stockBook) codeLeftLocked(code string, held int64) int64 {
	var used int64
	if c, ok := b.state.Codes[code]; ok {
		used = c.Used
	}
	return max(0, b.limits[code]-used-held)
}

// usesLeft tells the promotion engine how many uses of a code are left:
// its max_uses less the orders placed with it. Uses held by payments in
// progress are not taken off, so that a buyer's own hold never rejects
// the code on their session; a Reserve past the limit is refused.
func (b *stockBook) usesLeft(_ context.Context, code string) (int64, bool, error) {
	code = strings.ToUpper(code)
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, limited := b.limits[code]; !limited || b.path == "" || b.off {
		return 0, false, nil
	}
	var left int64
	err := b.readLocked(func() { left = b.codeLeftLocked(code, 0) })
	return left, true, err
}

// availableLocked is what can still be held of a counted SKU.
func availableLocked(c *skuCount, reserved int64) int64 {
	return max(0, c.OnHand-reserved)
}

// snapshot returns what can still be held of each of skus as of now (-1
// for a sku whose stock is not counted; a hold past its expiry counts as
// given back), and the version of the state it was read in. Nothing
// changed since it returned the same version, so a caller may keep what
// it made of the answer under it.
//
// Described (inspect), it answers from the state file as its writers left
// it, read without taking its lock (it is replaced whole); nothing is
// written.
func (b *stockBook) snapshot(skus []string) (version uint64, avail []int64, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	avail = make([]int64, len(skus))
	for i := range avail {
		avail[i] = -1
	}
	if b.path == "" || (b.off && !b.readOnly) {
		return b.version, avail, nil
	}
	err = b.readLocked(func() {
		reserved := b.reservedLocked()
		for i, sku := range skus {
			if c, ok := b.state.SKUs[sku]; ok {
				avail[i] = availableLocked(c, reserved[sku])
			}
		}
	})
	return b.version, avail, err
}

// currentVersion returns the version of the state as of now, as snapshot
// would, without reading any sku: the same version means the same
// snapshot.
func (b *stockBook) currentVersion() (uint64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.path == "" || (b.off && !b.readOnly) {
		return b.version, nil
	}
	err := b.readLocked(func() {})
	return b.version, err
}

// readLocked runs read on the state as of now, holds past their expiry
// lapsed first: under the file lock, the lapses written, when a hold is
// due to lapse or to be forgotten (or the state file does not read),
// otherwise without the lock (readUnlocked); or, described (inspect), on
// the state file as its writers left it, read without its lock, nothing
// written.
func (b *stockBook) readLocked(read func()) error {
	if !b.readOnly {
		if b.readUnlocked(read) {
			return nil
		}
		return b.changeLocked(func(time.Time) (bool, error) {
			read()
			return false, nil
		})
	}
	if err := b.loadLocked(); err != nil {
		return err
	}
	if b.lapseLocked(b.now().UTC()) {
		b.version++
	}
	read()
	return nil
}

// readUnlocked runs read on the state as of now without the file lock,
// when the locked read would change nothing: no hold is due to lapse or
// to be forgotten. The state is the one last read or written here, or
// read again when another process replaced the file, which its writers
// replace whole (writeFileAtomic): an unlocked read sees one whole
// version, the one of its stat, as the locked read would had it come
// just before that writer. Every ResolveItems reads the stock, and the
// lock's open, two flock and close calls cost four times the stat's. It
// reports whether it ran read; when it did not, the caller reads under
// the lock, which fails alike on a state file that does not read.
func (b *stockBook) readUnlocked(read func()) bool {
	if err := b.loadLocked(); err != nil || b.lapseDueLocked(b.now().UTC()) {
		return false
	}
	read()
	return true
}

// Reserve holds the request's units under its key, all or nothing.
func (b *stockBook) Reserve(_ context.Context, req *catalog.ReserveRequest) (*catalog.ReserveResponse, error) {
	if req.Key == "" {
		return nil, errors.New("reserve: the key is empty")
	}
	if req.ExpiresAt.IsZero() {
		return nil, errors.New("reserve: expires_at is not set")
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
	codes := map[string]string{} // upper case: as sent
	var codeOrder []string
	for _, c := range req.DiscountCodes {
		up := strings.ToUpper(c)
		if _, seen := codes[up]; !seen {
			codes[up] = c
			codeOrder = append(codeOrder, up)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.usableLocked("reserve"); err != nil {
		return nil, err
	}
	expires := req.ExpiresAt.UTC()
	resp := &catalog.ReserveResponse{}
	err := b.changeLocked(func(time.Time) (bool, error) {
		prev, ok := b.state.Holds[req.Key]
		switch {
		case ok && prev.State == holdHeld:
			// A repeat: held again, extended to the later expiry.
			resp.Held = true
			if expires.After(prev.ExpiresAt) {
				prev.ExpiresAt = expires
				return true, nil
			}
			return false, nil
		case ok && prev.State != holdLapsed:
			return false, fmt.Errorf("reserve: hold %s is already %s", req.Key, prev.State)
		}
		// A new hold, or a lapsed one held again when its units fit.
		reserved := b.reservedLocked()
		h := &stockHold{ExpiresAt: expires, State: holdHeld}
		for _, sku := range order {
			c, ok := b.state.SKUs[sku]
			if !ok {
				continue // not stock-controlled: nothing to hold
			}
			if avail := availableLocked(c, reserved[sku]); avail < wanted[sku] {
				resp.Shortfalls = append(resp.Shortfalls, catalog.Shortfall{SKU: sku, Available: avail})
				continue
			}
			h.Lines = append(h.Lines, holdLine{SKU: sku, Quantity: wanted[sku]})
		}
		heldCodes := b.heldCodesLocked()
		for _, up := range codeOrder {
			if _, limited := b.limits[up]; !limited {
				continue // not usage-limited: nothing to hold
			}
			if b.codeLeftLocked(up, heldCodes[up]) < 1 {
				resp.Shortfalls = append(resp.Shortfalls, catalog.Shortfall{SKU: discountShortfallPrefix + codes[up]})
				continue
			}
			h.Codes = append(h.Codes, up)
		}
		if len(resp.Shortfalls) > 0 {
			return false, nil
		}
		b.state.Holds[req.Key] = h
		resp.Held = true
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// usableLocked reports why op cannot run: the plugin was never
// configured, or its catalog counts no stock (ErrNotOffered).
func (b *stockBook) usableLocked(op string) error {
	if b.path == "" {
		return fmt.Errorf("%s: stock not configured", op)
	}
	if b.off {
		return acp.ErrNotOffered
	}
	return nil
}

// Commit sells the key's units.
func (b *stockBook) Commit(_ context.Context, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.usableLocked("commit"); err != nil {
		return err
	}
	return b.changeLocked(func(now time.Time) (bool, error) {
		h, ok := b.state.Holds[key]
		switch {
		case !ok:
			return false, fmt.Errorf("commit %s: %w", key, catalog.ErrNoSuchHold)
		case h.State == holdCommitted:
			return false, nil
		case h.State == holdReleased:
			return false, fmt.Errorf("commit: hold %s was released", key)
		case h.State == holdLapsed:
			// Its units went back and may have been held since: sold
			// only when they still fit, never below what others hold.
			reserved := b.reservedLocked()
			for _, l := range h.Lines {
				if c, ok := b.state.SKUs[l.SKU]; ok && availableLocked(c, reserved[l.SKU]) < l.Quantity {
					b.logger.Error("a hold lapsed and its units are no longer in stock; its order cannot be fulfilled from stock", "key", key, "sku", l.SKU)
					return false, fmt.Errorf("commit %s: %w", key, catalog.ErrHoldLapsed)
				}
			}
			heldCodes := b.heldCodesLocked()
			for _, code := range h.Codes {
				if _, limited := b.limits[code]; limited && b.codeLeftLocked(code, heldCodes[code]) < 1 {
					b.logger.Error("a hold lapsed and its discount code has no use left", "key", key)
					return false, fmt.Errorf("commit %s: %w", key, catalog.ErrHoldLapsed)
				}
			}
			b.logger.Warn("committing a hold that lapsed; its units were still in stock", "key", key)
		}
		for _, l := range h.Lines {
			if c, ok := b.state.SKUs[l.SKU]; ok {
				c.OnHand -= l.Quantity
				c.Sold += l.Quantity
			}
		}
		for _, code := range h.Codes {
			if b.state.Codes[code] == nil {
				b.state.Codes[code] = &codeCount{}
			}
			b.state.Codes[code].Used++
		}
		h.State, h.DoneAt = holdCommitted, now
		return true, nil
	})
}

// Release gives the key's units back. An unknown key is remembered as
// released, so that a Reserve arriving late with it holds nothing.
func (b *stockBook) Release(_ context.Context, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.usableLocked("release"); err != nil {
		return err
	}
	return b.changeLocked(func(now time.Time) (bool, error) {
		h, ok := b.state.Holds[key]
		switch {
		case !ok:
			b.state.Holds[key] = &stockHold{State: holdReleased, DoneAt: now}
			return true, nil
		case h.State == holdCommitted:
			return false, fmt.Errorf("release: hold %s was committed", key)
		case h.State == holdReleased:
			return false, nil
		case h.State == holdLapsed:
			// Nothing to give back, but never held again by a late
			// Reserve: it is released.
			h.State = holdReleased
			return true, nil
		}
		h.State, h.DoneAt = holdReleased, now
		return true, nil
	})
}

// saveLocked writes the state file atomically and durably, and notes its
// stat.
func (b *stockBook) saveLocked() error {
	data, err := json.MarshalIndent(b.state, "", "  ")
	if err != nil {
		return fmt.Errorf("stock state: %w", err)
	}
	if err := writeFileAtomic(b.path, data); err != nil {
		return acp.Retryable(fmt.Errorf("stock state: %w", err))
	}
	st, err := statFile(b.path)
	if err != nil {
		return acp.Retryable(fmt.Errorf("stock state: %w", err))
	}
	b.seen = st
	b.version++
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
