package connlimit

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const refusal = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"

// listen wraps a loopback listener and accepts in the background,
// delivering the admitted connections on the returned channel.
func listen(t *testing.T, opts Options) (*Listener, <-chan net.Conn) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := New(inner, opts)
	conns := make(chan net.Conn, 64)
	go func() {
		defer close(conns)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	t.Cleanup(func() { _ = l.Close() })
	return l, conns
}

// dialFrom connects to l from the loopback address from.
func dialFrom(t *testing.T, l *Listener, from string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("dial from %s: %v", from, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// refused reports whether the server answered c with the refusal and
// closed it.
func refused(t *testing.T, c net.Conn) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	got, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && len(got) == 0 {
		return false
	}
	if string(got) != refusal {
		t.Fatalf("refused connection read %q, %v; want the refusal", got, err)
	}
	return true
}

func receive(t *testing.T, conns <-chan net.Conn) net.Conn {
	t.Helper()
	select {
	case c := <-conns:
		t.Cleanup(func() { _ = c.Close() })
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no connection admitted within 5s")
		return nil
	}
}

// A client that sends nothing is cut off at the header timeout, even when
// the server later asks for a longer read deadline; once it has spoken,
// the server's deadlines apply.
func TestHeaderTimeout(t *testing.T) {
	l, conns := listen(t, Options{HeaderTimeout: 200 * time.Millisecond})
	silent := dialFrom(t, l, "127.0.0.1")
	server := receive(t, conns)
	_ = server.SetReadDeadline(time.Now().Add(time.Hour))
	start := time.Now()
	_, err := server.Read(make([]byte, 1))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read from a silent client: %v, want a timeout", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("silent client held for %s", took)
	}
	_ = silent

	talker := dialFrom(t, l, "127.0.0.1")
	server = receive(t, conns)
	if _, err := talker.Write([]byte("GET")); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Read(make([]byte, 3)); err != nil {
		t.Fatal(err)
	}
	if err := server.SetReadDeadline(time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := server.Read(make([]byte, 1)); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("read after the first byte ended early: %v", err)
	case <-time.After(400 * time.Millisecond):
	}
}

// fakeListener fails its first accepts with errs, then returns conns.
type fakeListener struct {
	mu    sync.Mutex
	errs  []error
	conns chan net.Conn
	addr  net.Addr
}

func (f *fakeListener) Accept() (net.Conn, error) {
	f.mu.Lock()
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		f.mu.Unlock()
		return nil, err
	}
	f.mu.Unlock()
	c, ok := <-f.conns
	if !ok {
		return nil, net.ErrClosed
	}
	return c, nil
}

func (f *fakeListener) Close() error   { return nil }
func (f *fakeListener) Addr() net.Addr { return f.addr }

// Accept errors for want of resources are retried with back-off, logged
// once per burst (and its end) and counted; a connection reset or aborted
// before it was accepted is one client's problem: skipped at once, not
// logged or counted; any other error is returned.
func TestAcceptErrors(t *testing.T) {
	accept := func(errno syscall.Errno) error {
		return &net.OpError{Op: "accept", Net: "tcp", Err: &osSyscallError{errno}}
	}
	tests := []struct {
		name       string
		errs       []error
		wantCount  float64
		wantLogged []string
	}{
		{"out of resources", []error{accept(syscall.EMFILE), accept(syscall.EMFILE), &net.OpError{Op: "accept", Err: syscall.ENFILE}, accept(syscall.ENOBUFS)},
			4, []string{"accepting connections failed", "failed_accepts=4"}},
		{"one client's connection", []error{accept(syscall.ECONNRESET), accept(syscall.ECONNABORTED), accept(syscall.EPROTO)}, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeListener{errs: tc.errs, conns: make(chan net.Conn, 1), addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}}
			server, client := net.Pipe()
			defer client.Close()
			fake.conns <- server
			var logs bytes.Buffer
			reg := prometheus.NewRegistry()
			l := New(fake, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Metrics: NewMetrics(reg)})
			c, err := l.Accept()
			if err != nil {
				t.Fatalf("Accept() = %v, want the connection after the errors", err)
			}
			_ = c.Close()
			if got := value(t, reg, "acp_listener_accept_errors_total", ""); got != tc.wantCount {
				t.Errorf("accept errors counted = %v, want %v", got, tc.wantCount)
			}
			for _, want := range tc.wantLogged {
				if n := strings.Count(logs.String(), want); n != 1 {
					t.Errorf("%q logged %d times, want once:\n%s", want, n, logs.String())
				}
			}
			if tc.wantLogged == nil && logs.Len() != 0 {
				t.Errorf("logged:\n%s", logs.String())
			}

			fake.errs = []error{errors.New("listener broken")}
			if _, err := l.Accept(); err == nil || !strings.Contains(err.Error(), "broken") {
				t.Errorf("Accept() = %v, want the permanent error", err)
			}
		})
	}
}

// osSyscallError wraps an errno the way os.SyscallError does.
type osSyscallError struct{ errno syscall.Errno }

func (e *osSyscallError) Error() string { return "accept4: " + e.errno.Error() }
func (e *osSyscallError) Unwrap() error { return e.errno }

// Close hands the connections the kernel had queued to Accept before it
// closes, so that none is reset.
func TestCloseDrainsTheBacklog(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := New(inner, Options{})
	// The first connection is accepted; the next ones wait in the
	// kernel's queue while the server is busy.
	first := dialFrom(t, l, "127.0.0.1")
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = first
	const queued = 5
	for range queued {
		dialFrom(t, l, "127.0.0.1")
	}
	closed := make(chan error, 1)
	go func() { closed <- l.Close() }()
	var got int
	for {
		c, err := l.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				t.Fatalf("Accept() while draining = %v, want net.ErrClosed at the end", err)
			}
			break
		}
		got++
		_ = c.Close()
	}
	if got != queued {
		t.Errorf("drained %d queued connections, want %d", got, queued)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close() = %v", err)
	}
	if _, err := net.DialTimeout("tcp", inner.Addr().String(), time.Second); err == nil {
		t.Error("the listener still accepts after Close")
	}
}

func TestDerive(t *testing.T) {
	tests := []struct {
		descriptors, others uint64
		want                Limits
	}{
		{0, 0, Limits{}},
		{0, 32, Limits{}},
		{32, 0, Limits{1, 1}},
		{64, 0, Limits{1, 1}},
		{96, 32, Limits{1, 1}},
		{200, 0, Limits{136, 17}},
		{256, 0, Limits{192, 24}},
		{256, 32, Limits{160, 20}},
		{1024, 0, Limits{768, 96}},
		{1 << 20, 0, Limits{786432, 98304}},
	}
	for _, tc := range tests {
		if got := Derive(tc.descriptors, tc.others); got != tc.want {
			t.Errorf("Derive(%d, %d) = %+v, want %+v", tc.descriptors, tc.others, got, tc.want)
		}
	}
}

func TestResolve(t *testing.T) {
	derived := Limits{MaxConns: 192, MaxConnsPerClient: 24}
	tests := []struct {
		name        string
		configured  Limits
		derived     Limits
		want        Limits
		wantLowered bool
	}{
		{"derived", Limits{}, derived, derived, false},
		{"lower caps kept", Limits{100, 10}, derived, Limits{100, 10}, false},
		{"total only: per client an eighth of it", Limits{100, 0}, derived, Limits{100, 12}, false},
		{"small total only: per client at least 1", Limits{5, 0}, derived, Limits{5, 1}, false},
		{"above the descriptor limit", Limits{1000, 0}, derived, Limits{192, 24}, true},
		{"per client above the total", Limits{50, 60}, derived, Limits{50, 50}, true},
		{"per client only", Limits{0, 5}, derived, Limits{192, 5}, false},
		{"unknown descriptor limit", Limits{}, Limits{}, Limits{}, false},
		{"unknown descriptor limit, total set", Limits{100, 0}, Limits{}, Limits{100, 12}, false},
		{"unknown descriptor limit, per client set", Limits{0, 7}, Limits{}, Limits{0, 7}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, lowered := Resolve(tc.configured, tc.derived)
			if got != tc.want || lowered != tc.wantLowered {
				t.Errorf("Resolve(%+v, %+v) = %+v, %v; want %+v, %v", tc.configured, tc.derived, got, lowered, tc.want, tc.wantLowered)
			}
		})
	}
}

// value reads a metric (counter or gauge) of reg by name and, for a
// vector, label value.
func value(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range families {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label != "" && (len(m.GetLabel()) == 0 || m.GetLabel()[0].GetValue() != label) {
				continue
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return 0
}

// fromConn is one end of a pipe that reports remote as its peer.
type fromConn struct {
	net.Conn
	remote net.Addr
}

func (c fromConn) RemoteAddr() net.Addr { return c.remote }

// admitted feeds connections from each remote address through a Listener
// with opts and reports, in order, which were admitted.
func admitted(t *testing.T, opts Options, remotes ...string) []bool {
	t.Helper()
	fake := &fakeListener{conns: make(chan net.Conn), addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}}
	l := New(fake, opts)
	accepted := make(chan net.Conn)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	var got []bool
	for _, r := range remotes {
		server, client := net.Pipe()
		t.Cleanup(func() { _ = client.Close(); _ = server.Close() })
		fake.conns <- fromConn{Conn: server, remote: net.TCPAddrFromAddrPort(netip.MustParseAddrPort(r))}
		select {
		case c := <-accepted:
			t.Cleanup(func() { _ = c.Close() })
			got = append(got, true)
		case <-time.After(200 * time.Millisecond):
			got = append(got, false)
		}
	}
	close(fake.conns)
	return got
}

// One client is one IPv4 address or one IPv6 /64; an IPv4-mapped IPv6
// address is its IPv4 address. Exempt clients count toward the total
// only.
func TestClients(t *testing.T) {
	one := Options{Limits: Limits{MaxConns: 3, MaxConnsPerClient: 1}}
	exempt := one
	exempt.Exempt = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:1::7/128")}
	tests := []struct {
		name    string
		opts    Options
		remotes []string
		want    []bool
	}{
		{"IPv4 addresses are clients", one, []string{"192.0.2.1:1", "192.0.2.2:1", "192.0.2.1:2"}, []bool{true, true, false}},
		{"one IPv6 /64 is one client", one, []string{"[2001:db8::1]:1", "[2001:db8::ffff:1]:1", "[2001:db8::2]:2"}, []bool{true, false, false}},
		{"other IPv6 /64s are other clients", one, []string{"[2001:db8::1]:1", "[2001:db8:0:1::1]:1"}, []bool{true, true}},
		{"IPv4-mapped IPv6 is the IPv4 address", one, []string{"192.0.2.1:1", "[::ffff:192.0.2.1]:1"}, []bool{true, false}},
		{"zones are ignored", one, []string{"[fe80::1%eth0]:1", "[fe80::1%eth1]:1"}, []bool{true, false}},
		{"exempt clients: total cap only", exempt, []string{"10.0.0.5:1", "10.0.0.5:2", "10.0.0.5:3", "10.0.0.6:1"}, []bool{true, true, true, false}},
		{"an exempt IPv6 address, not its /64", exempt, []string{"[2001:db8:1::7]:1", "[2001:db8:1::7]:2", "[2001:db8:1::8]:1"}, []bool{true, true, false}},
		{"not exempt beside an exempt range", exempt, []string{"11.0.0.5:1", "11.0.0.5:2"}, []bool{true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := admitted(t, tc.opts, tc.remotes...); !slices.Equal(got, tc.want) {
				t.Errorf("admitted %v from %v, want %v", got, tc.remotes, tc.want)
			}
		})
	}
}
