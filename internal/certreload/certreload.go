// Package certreload serves a TLS certificate and key from files and
// reloads them when the files change, or on SIGHUP, without a restart:
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
	"os/signal"
	"sync"
	"syscall"
)

// Reloader holds the current certificate of a pair of files. Its
// GetCertificate is a tls.Config.GetCertificate.
type Reloader struct {
	certFile, keyFile string
	logger            *slog.Logger

	mu   sync.Mutex
	cert *tls.Certificate
	// seen is the state of the files when last loaded or tried: a change
	// is looked for against it, so a pair that failed is not retried
	// until the files change again.
	seen stamp
}

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
	r := &Reloader{certFile: certFile, keyFile: keyFile, logger: logger}
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
	r.cert = &cert
	return nil
}

// GetCertificate returns the current certificate, first reloading the
// pair when its files changed since they were last read. The check is two
// stat calls, small beside a handshake.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := r.stat(); r.seen.changed(now) {
		if err := r.load(now); err != nil {
			r.logger.Warn("TLS certificate changed but does not load; still serving the previous one", "error", err.Error())
		} else {
			r.logger.Info("TLS certificate reloaded", "cert_file", r.certFile)
		}
	}
	return r.cert, nil
}

// Listen serves TLS on ln with cfg (cloned) and the certificate of the
// files, reloaded when they change and whenever the process receives
// SIGHUP, until the returned listener is closed.
func Listen(ln net.Listener, certFile, keyFile string, cfg *tls.Config, logger *slog.Logger) (net.Listener, error) {
	r, err := New(certFile, keyFile, logger)
	if err != nil {
		return nil, err
	}
	cfg = cfg.Clone()
	cfg.Certificates = nil
	cfg.GetCertificate = r.GetCertificate
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-hup:
				if err := r.Reload(); err != nil {
					logger.Warn("SIGHUP: TLS certificate does not load; still serving the previous one", "error", err.Error())
				} else {
					logger.Info("SIGHUP: TLS certificate reloaded", "cert_file", certFile)
				}
			}
		}
	}()
	return &listener{Listener: tls.NewListener(ln, cfg), stop: func() {
		signal.Stop(hup)
		close(done)
	}}, nil
}

// listener stops the SIGHUP handling when closed.
type listener struct {
	net.Listener
	once sync.Once
	stop func()
}

// Close closes the listener and stops reloading on SIGHUP.
func (l *listener) Close() error {
	l.once.Do(l.stop)
	return l.Listener.Close()
}
