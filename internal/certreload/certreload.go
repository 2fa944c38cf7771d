// Package certreload serves a TLS certificate and key from files and
// reloads them when the files change, or when asked (the program calls
// Reload on SIGHUP), without a restart:
// connections already open keep the certificate they were made with, and
// the next handshake gets the new one. A pair that fails to load is logged
// and the previous one kept, so a half-written renewal never takes the
// server down.
package certreload

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Reloader holds the current certificate of a pair of files. Its
// GetCertificate is a tls.Config.GetCertificate.
type Reloader struct {
	certFile, keyFile string
	logger            *slog.Logger
	// now is the clock the file checks are spaced by.
	now func() time.Time

	// cert is the certificate handshakes get, read without a lock.
	cert atomic.Pointer[tls.Certificate]
	// checked is when the files were last looked at (UnixNano): a
	// handshake looks again only checkInterval later, and only one does.
	checked atomic.Int64

	// mu serialises loads: a change seen at a handshake, and Reload.
	mu sync.Mutex
	// seen is the state of the files when last loaded or tried: a change
	// is looked for against it, so a pair that failed is not retried
	// until the files change again.
	seen stamp
}

// checkInterval is how often, at most, handshakes look at the files.
const checkInterval = time.Second

// stamp is what tells that a file changed: its identity (a file renamed
// over it, as deployment tools and Kubernetes do), size and time.
type stamp [2]os.FileInfo

// changed reports whether the files differ from s.
func (s stamp) changed(now stamp) bool {
	for i := range s {
		a, b := s[i], now[i]
		if a == nil || b == nil {
			if a != b {
				return true
			}
			continue
		}
		if !os.SameFile(a, b) || a.Size() != b.Size() || !a.ModTime().Equal(b.ModTime()) {
			return true
		}
	}
	return false
}

// New loads the pair and returns a reloader serving it.
func New(certFile, keyFile string, logger *slog.Logger) (*Reloader, error) {
	r := &Reloader{certFile: certFile, keyFile: keyFile, logger: logger, now: time.Now}
	if err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// stat reads the files' state; a file that cannot be read has none.
func (r *Reloader) stat() stamp {
	var s stamp
	for i, f := range []string{r.certFile, r.keyFile} {
		if info, err := os.Stat(f); err == nil {
			s[i] = info
		}
	}
	return s
}

// Reload loads the pair now. On failure the previous certificate stays in
// use and the error is returned.
func (r *Reloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.load(r.stat())
}

// load loads the pair, whose files are in state s; r.mu is held.
func (r *Reloader) load(s stamp) error {
	r.seen = s
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("load TLS certificate %s and key %s: %w", r.certFile, r.keyFile, err)
	}
	r.cert.Store(&cert)
	return nil
}

// GetCertificate returns the current certificate. At most once per
// checkInterval, one handshake first looks at the files (two stat calls)
// and reloads the pair when they changed; the others read the current
// certificate without waiting.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	now := r.now().UnixNano()
	if last := r.checked.Load(); now-last >= int64(checkInterval) && r.checked.CompareAndSwap(last, now) {
		r.reloadIfChanged()
	}
	return r.cert.Load(), nil
}

// reloadIfChanged reloads the pair when its files changed since they were
// last read.
func (r *Reloader) reloadIfChanged() {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.stat()
	if !r.seen.changed(now) {
		return
	}
	if err := r.load(now); err != nil {
		r.logger.Warn("TLS certificate changed but does not load; still serving the previous one", "error", err.Error())
	} else {
		r.logger.Info("TLS certificate reloaded", "cert_file", r.certFile)
	}
}

// Listen serves TLS on ln with cfg (cloned) and the reloader's current
// certificate. SIGHUP is left to the program, which owns its signals for
// its whole life and calls Reload.
func (r *Reloader) Listen(ln net.Listener, cfg *tls.Config) net.Listener {
	cfg = cfg.Clone()
	cfg.Certificates = nil
	cfg.GetCertificate = r.GetCertificate
	return tls.NewListener(ln, cfg)
}
