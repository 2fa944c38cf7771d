// Package connlimit wraps the server's net.Listener so that no number of
// connections can stop the process: it caps open connections in total and
// per client address below the file-descriptor limit, refuses the excess
// at once, sheds connections that stay silent, retries accept errors such
// as EMFILE and ENFILE with back-off instead of failing (fasthttp gives up
// on any accept error that is not a timeout), and on Close first drains
// the connections the kernel had already queued, so that a graceful stop
// serves them rather than resetting them.
//
// One client is one IPv4 address, or one IPv6 /64 prefix: a host is
// usually given a whole /64, so keying by the full IPv6 address would let
// one host open a per-client quota from each of its addresses.
// IPv4-mapped IPv6 addresses count as the IPv4 address.
package connlimit

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Back-off between failed accepts: from minBackoff, doubling, to maxBackoff.
const (
	minBackoff = 5 * time.Millisecond
	maxBackoff = time.Second
)

// drainPoll is how long Close lets Accept wait for one more queued
// connection before it takes the backlog to be empty.
const drainPoll = 20 * time.Millisecond

// lingerTimeout bounds how long a refused connection is answered and
// read from before it is closed.
const lingerTimeout = 250 * time.Millisecond

// maxRefusing bounds the refused connections being answered at once; the
// rest are closed without an answer, so refusing costs few descriptors.
const maxRefusing = 16

// ipv6ClientBits is the prefix length that makes one IPv6 client.
const ipv6ClientBits = 64

// Options configure a Listener. Zero values disable a limit.
type Options struct {
	// Limits are the caps; a zero cap is no cap.
	Limits
	// Exempt lists clients not held to MaxConnsPerClient, such as a
	// reverse proxy that every agent's connection arrives through; their
	// connections still count toward MaxConns.
	Exempt []netip.Prefix
	// HeaderTimeout closes a connection that has not sent its first byte
	// within this time of being accepted.
	HeaderTimeout time.Duration
	// Refusal, when set, is written to a refused connection before it is
	// closed: a complete HTTP response. Leave it nil when the connections
	// carry TLS, which the listener does not speak.
	Refusal []byte
	// DrainTimeout bounds how long Close spends accepting what the kernel
	// had queued; 1s when zero.
	DrainTimeout time.Duration
	// Logger receives one warning per burst of accept errors; slog's
	// default when nil.
	Logger *slog.Logger
	// Metrics, when set, counts accept errors, refusals and open
	// connections.
	Metrics *Metrics
}

// Listener is a net.Listener with connection limits. Make one with New.
type Listener struct {
	inner net.Listener
	opts  Options

	mu      sync.Mutex
	open    int
	clients map[netip.Prefix]int

	refusing chan struct{}

	closing   chan struct{}
	drained   chan struct{}
	closeOnce sync.Once
	closeErr  error
	accepted  atomic.Bool

	// burst counts consecutive accept errors since burstStart.
	burstMu    sync.Mutex
	burst      int
	burstStart time.Time
}

// New wraps ln.
func New(ln net.Listener, opts Options) *Listener {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = time.Second
	}
	return &Listener{
		inner:    ln,
		opts:     opts,
		clients:  map[netip.Prefix]int{},
		refusing: make(chan struct{}, maxRefusing),
		closing:  make(chan struct{}),
		drained:  make(chan struct{}),
	}
}

// Addr returns the wrapped listener's address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// deadliner is a listener whose Accept can time out, as *net.TCPListener.
type deadliner interface{ SetDeadline(time.Time) error }

// Accept waits for a connection within the limits. Connections over a
// limit are refused and never returned; accept errors that a lack of
// descriptors or memory causes are retried with back-off. It returns
// net.ErrClosed once the listener is closed (after draining).
func (l *Listener) Accept() (net.Conn, error) {
	l.accepted.Store(true)
	for {
		draining := l.isClosing()
		if draining {
			d, ok := l.inner.(deadliner)
			if !ok || d.SetDeadline(time.Now().Add(drainPoll)) != nil {
				l.finishDrain()
				return nil, net.ErrClosed
			}
		}
		c, err := l.inner.Accept()
		if err != nil {
			if draining || l.isClosing() || errors.Is(err, net.ErrClosed) {
				l.finishDrain()
				return nil, net.ErrClosed
			}
			switch classify(err) {
			case connectionError:
				continue
			case resourceError:
				l.backoff(err)
				continue
			}
			return nil, err
		}
		l.endBurst()
		if conn := l.admit(c); conn != nil {
			return conn, nil
		}
	}
}

// Close stops accepting. Connections the kernel had already queued are
// accepted and returned by Accept first, for up to the drain timeout, so
// that the server serves them; then the wrapped listener is closed.
// Connections already returned stay open.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		close(l.closing)
		if _, ok := l.inner.(deadliner); ok && l.accepted.Load() {
			// Wake an Accept blocked on an empty backlog, then wait for
			// the accept loop to find the backlog empty.
			_ = l.inner.(deadliner).SetDeadline(time.Now().Add(drainPoll))
			select {
			case <-l.drained:
			case <-time.After(l.opts.DrainTimeout):
			}
		}
		l.closeErr = l.inner.Close()
	})
	return l.closeErr
}

func (l *Listener) isClosing() bool {
	select {
	case <-l.closing:
		return true
	default:
		return false
	}
}

func (l *Listener) finishDrain() {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.drained:
	default:
		close(l.drained)
	}
}

// acceptError is the kind of a failed accept.
type acceptError int

const (
	// permanentError ends Accept.
	permanentError acceptError = iota
	// resourceError is a lack of descriptors, buffers or memory, which a
	// busy server recovers from: retried with back-off, logged and counted.
	resourceError
	// connectionError concerns one client's connection only (reset or
	// aborted before it was accepted): the next accept is tried at once.
	connectionError
)

// classify returns the kind of an accept error. (A timeout needs no case:
// the wrapped listener has a deadline only while Close drains it, and
// Accept handles that before it classifies.)
func classify(err error) acceptError {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM} {
		if errors.Is(err, errno) {
			return resourceError
		}
	}
	for _, errno := range []syscall.Errno{syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EPROTO} {
		if errors.Is(err, errno) {
			return connectionError
		}
	}
	return permanentError
}

// backoff counts a failed accept, logs the first of a burst and waits
// before the next attempt (less when the listener closes).
func (l *Listener) backoff(err error) {
	l.burstMu.Lock()
	if l.burst == 0 {
		l.burstStart = time.Now()
		l.opts.Logger.Warn("accepting connections failed; retrying with back-off", "error", err.Error(), "address", l.Addr().String())
	}
	l.burst++
	wait := maxBackoff
	if l.burst < 16 {
		wait = min(maxBackoff, minBackoff<<(l.burst-1))
	}
	l.burstMu.Unlock()
	l.opts.Metrics.acceptError()
	select {
	case <-time.After(wait):
	case <-l.closing:
	}
}

// endBurst logs the end of a burst of accept errors.
func (l *Listener) endBurst() {
	l.burstMu.Lock()
	defer l.burstMu.Unlock()
	if l.burst == 0 {
		return
	}
	l.opts.Logger.Info("accepting connections again", "failed_accepts", l.burst, "for", time.Since(l.burstStart).String(), "address", l.Addr().String())
	l.burst = 0
}

// Refusal reasons, as metric labels.
const (
	reasonServer = "server_limit"
	reasonClient = "client_limit"
)

// admit takes a slot for c, or refuses c and returns nil.
func (l *Listener) admit(c net.Conn) net.Conn {
	ip := remoteIP(c.RemoteAddr())
	client := clientOf(ip)
	capped := l.opts.MaxConnsPerClient > 0 && !l.exempt(ip)
	l.mu.Lock()
	reason := ""
	switch {
	case l.opts.MaxConns > 0 && l.open >= l.opts.MaxConns:
		reason = reasonServer
	case capped && l.clients[client] >= l.opts.MaxConnsPerClient:
		reason = reasonClient
	default:
		l.open++
		l.clients[client]++
	}
	l.mu.Unlock()
	if reason != "" {
		l.opts.Metrics.refused(reason)
		l.refuse(c)
		return nil
	}
	l.opts.Metrics.opened()
	conn := &limitedConn{Conn: c, release: func() { l.release(client) }}
	if l.opts.HeaderTimeout > 0 {
		conn.firstDeadline = time.Now().Add(l.opts.HeaderTimeout)
		_ = c.SetReadDeadline(conn.firstDeadline)
	}
	return conn
}

// exempt reports whether the client at ip is exempt from the per-client
// cap.
func (l *Listener) exempt(ip netip.Addr) bool {
	for _, p := range l.opts.Exempt {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// release gives back the slot of a closed connection from client.
func (l *Listener) release(client netip.Prefix) {
	l.mu.Lock()
	l.open--
	if l.clients[client]--; l.clients[client] <= 0 {
		delete(l.clients, client)
	}
	l.mu.Unlock()
	l.opts.Metrics.closed()
}

// refuse answers a refused connection with the refusal response, when one
// is set and few refusals are under way, and closes it.
func (l *Listener) refuse(c net.Conn) {
	if l.opts.Refusal == nil {
		_ = c.Close()
		return
	}
	select {
	case l.refusing <- struct{}{}:
	default:
		_ = c.Close()
		return
	}
	go func() {
		defer func() { <-l.refusing }()
		answer(c, l.opts.Refusal)
	}()
}

// answer writes response to c, then reads (and drops) what the client
// sends for a moment before closing: closing with unread data would reset
// the connection, and the client could lose the response.
func answer(c net.Conn, response []byte) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(lingerTimeout))
	if _, err := c.Write(response); err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	buf := make([]byte, 4096)
	for range 16 {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// remoteIP is the IP address of a remote address, without zone and with
// IPv4-mapped IPv6 addresses unmapped; the zero Addr when it cannot be
// read.
func remoteIP(a net.Addr) netip.Addr {
	var ip netip.Addr
	if tcp, ok := a.(*net.TCPAddr); ok {
		ip, _ = netip.AddrFromSlice(tcp.IP)
	} else if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		ip = ap.Addr()
	}
	return ip.Unmap().WithZone("")
}

// clientOf is the client an IP address (as remoteIP returns it) belongs
// to: the IPv4 address itself (as a /32), or the IPv6 address's /64. All
// unreadable addresses are one client, the zero Prefix.
func clientOf(ip netip.Addr) netip.Prefix {
	if !ip.IsValid() {
		return netip.Prefix{}
	}
	if ip.Is4() {
		return netip.PrefixFrom(ip, 32)
	}
	p, _ := ip.Prefix(ipv6ClientBits) // 64 bits always fit an IPv6 address
	return p
}

// limitedConn releases its slot when closed, and holds read deadlines to
// the header timeout until the client has sent its first byte.
type limitedConn struct {
	net.Conn
	release   func()
	closeOnce sync.Once
	// firstDeadline, when set, is the latest read deadline before the
	// first byte arrives.
	firstDeadline time.Time
	spoke         atomic.Bool
}

// Read reads from the connection and notes the first byte.
func (c *limitedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.spoke.Store(true)
	}
	return n, err
}

// SetReadDeadline sets the read deadline, no later than the header
// timeout while the client is silent.
func (c *limitedConn) SetReadDeadline(t time.Time) error {
	return c.Conn.SetReadDeadline(c.clamp(t))
}

// SetDeadline sets both deadlines; the read one as SetReadDeadline does.
func (c *limitedConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.Conn.SetReadDeadline(c.clamp(t))
}

func (c *limitedConn) clamp(t time.Time) time.Time {
	if c.firstDeadline.IsZero() || c.spoke.Load() {
		return t
	}
	if t.IsZero() || t.After(c.firstDeadline) {
		return c.firstDeadline
	}
	return t
}

// Close closes the connection and gives back its slot, once.
func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(c.release)
	return err
}
