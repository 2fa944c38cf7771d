package pgstore

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/internal/pgtest"
)

// proxy forwards TCP connections from a loopback port to target until
// its stop ends the listener and every forwarded connection: a database
// that stops answering.
type proxy struct {
	l     net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
		}
	}()
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) stop() {
	_ = p.l.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// TestPing: a store answers; a pool busy in every connection counts as
// answering while the database answers, and not once it stops; a closed
// store does not answer.
func TestPing(t *testing.T) {
	ctx := context.Background()
	u, err := url.Parse(pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, u.Host)
	u.Host = p.l.Addr().String()
	s := open(t, Options{DSN: u.String(), MaxConns: 1})
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.Ping(short); err != nil {
		t.Errorf("Ping with every connection busy: %v", err)
	}
	p.stop()
	if err := s.Ping(short); err == nil {
		t.Error("Ping with every connection busy and the database gone: no error")
	}
	conn.Release()
	_ = s.Close()
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping of a closed store: no error")
	}
}
