package acptest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// stockDouble holds up to stock units of one SKU for keys; its flags
// break one contract each.
type stockDouble struct {
	mu    sync.Mutex
	stock int64
	holds map[string]*doubleHold
	// ignoreExpiry keeps a hold past its expiry; racy checks the stock and
	// records the hold in two steps, unlocked between them; commitOnce
	// refuses a repeated Commit; noExtend keeps a held key's first expiry;
	// forgetRelease does not remember a Release of a key never held;
	// plainCommitError answers a Commit of a key never held with a plain
	// error; refuseSameRepeat refuses a repeated Reserve that asks for the
	// same expiry; wrongShortfall reports no units available in a
	// shortfall; releaseOnce refuses a repeated Release.
	ignoreExpiry, racy, commitOnce, noExtend, forgetRelease, plainCommitError bool
	refuseSameRepeat, wrongShortfall, releaseOnce                             bool
}

type doubleHold struct {
	qty     int64
	expires time.Time
	state   string
}

func newStockDouble() *stockDouble {
	return &stockDouble{stock: 5, holds: map[string]*doubleHold{}}
}

// availableLocked is the stock less what live holds keep.
func (d *stockDouble) availableLocked() int64 {
	n := d.stock
	for _, h := range d.holds {
		if h.state == "held" && (d.ignoreExpiry || time.Now().Before(h.expires)) {
			n -= h.qty
		}
	}
	return n
}

func (d *stockDouble) Reserve(_ context.Context, req *catalog.ReserveRequest) (*catalog.ReserveResponse, error) {
	d.mu.Lock()
	if h, ok := d.holds[req.Key]; ok {
		defer d.mu.Unlock()
		if h.state != "held" {
			return nil, fmt.Errorf("hold %s is %s", req.Key, h.state)
		}
		if d.refuseSameRepeat && req.ExpiresAt.Equal(h.expires) {
			return nil, fmt.Errorf("hold %s exists", req.Key)
		}
		if !d.noExtend && req.ExpiresAt.After(h.expires) {
			h.expires = req.ExpiresAt
		}
		return &catalog.ReserveResponse{Held: true}, nil
	}
	var qty int64
	for _, l := range req.Lines {
		qty += l.Quantity
	}
	avail := d.availableLocked()
	if avail < qty {
		d.mu.Unlock()
		if d.wrongShortfall {
			avail = 0
		}
		return &catalog.ReserveResponse{Shortfalls: []catalog.Shortfall{{SKU: req.Lines[0].SKU, Available: avail}}}, nil
	}
	if d.racy {
		d.mu.Unlock()
		time.Sleep(10 * time.Millisecond) // another Reserve checks the same stock meanwhile
		d.mu.Lock()
	}
	d.holds[req.Key] = &doubleHold{qty: qty, expires: req.ExpiresAt, state: "held"}
	d.mu.Unlock()
	return &catalog.ReserveResponse{Held: true}, nil
}

func (d *stockDouble) Commit(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	h, ok := d.holds[key]
	switch {
	case !ok && !d.plainCommitError:
		return catalog.ErrNoSuchHold
	case !ok || h.state == "released":
		return errors.New("no hold")
	case h.state == "committed" && d.commitOnce:
		return errors.New("already committed")
	case h.state == "committed":
		return nil
	}
	h.state = "committed"
	d.stock -= h.qty
	return nil
}

func (d *stockDouble) Release(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	h, ok := d.holds[key]
	switch {
	case !ok && d.forgetRelease:
	case !ok:
		d.holds[key] = &doubleHold{state: "released"}
	case h.state == "committed":
		return errors.New("committed")
	case h.state == "released" && d.releaseOnce:
		return errors.New("already released")
	default:
		h.state = "released"
	}
	return nil
}
