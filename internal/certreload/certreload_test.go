package certreload

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/internal/testkit"
)

// writePair writes a new self-signed certificate for 127.0.0.1, named cn,
// and its key over certFile and keyFile. rename replaces each file by
// renaming a new one over it, as deployment tools do; otherwise the files
// are rewritten in place.
func writePair(t *testing.T, certFile, keyFile, cn string, rename bool) {
	t.Helper()
	certPEM, keyPEM, _ := testkit.SelfSignedCert(t, cn, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	for path, data := range map[string][]byte{
		certFile: certPEM,
		keyFile:  keyPEM,
	} {
		target := path
		if rename {
			target = path + ".new"
		}
		if err := os.WriteFile(target, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if rename {
			if err := os.Rename(target, path); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// clock is a test clock: the time now plus what advance added.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// advance moves the clock past the next file check.
func (c *clock) advance() { c.offset.Add(int64(checkInterval)) }

// serve serves HTTPS on loopback through a reloader's Listen, on the
// clock c, and returns its address and the reloader.
func serve(t *testing.T, certFile, keyFile string, c *clock) (string, *Reloader) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(certFile, keyFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	r.now = c.now
	tln := r.Listen(ln, &tls.Config{MinVersion: tls.VersionTLS13})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(tln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), r
}

// conn is one client connection, kept open.
type conn struct {
	t  *testing.T
	tc *tls.Conn
}

// dial opens a connection and returns it with the name on the
// certificate the server presented.
func dial(t *testing.T, addr string) (*conn, string) {
	t.Helper()
	tc, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // the test reads the presented certificate
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tc.Close() })
	return &conn{t: t, tc: tc}, tc.ConnectionState().PeerCertificates[0].Subject.CommonName
}

// get sends one request on the open connection and checks the answer.
func (c *conn) get() {
	c.t.Helper()
	if _, err := io.WriteString(c.tc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		c.t.Fatalf("the open connection was dropped: %v", err)
	}
	buf := make([]byte, 512)
	_ = c.tc.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.tc.Read(buf)
	if err != nil || n == 0 || string(buf[:12]) != "HTTP/1.1 200" {
		c.t.Fatalf("the open connection was dropped: %q, %v", buf[:n], err)
	}
}

// TestReloadOnChange checks that a pair replaced on disk is served to the
// next connection once the next file check is due (at most one a second)
// while a connection made before keeps working, and that a broken
// replacement leaves the previous pair in use.
func TestReloadOnChange(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePair(t, certFile, keyFile, "first", false)
	var c clock
	addr, _ := serve(t, certFile, keyFile, &c)

	open, name := dial(t, addr)
	if name != "first" {
		t.Fatalf("served %q, want first", name)
	}
	open.get()

	writePair(t, certFile, keyFile, "second", true)
	if _, name := dial(t, addr); name != "first" {
		t.Errorf("before the next file check is due: served %q, want first (the files looked at on every handshake)", name)
	}
	c.advance()
	if _, name := dial(t, addr); name != "second" {
		t.Errorf("after renewal: served %q, want second", name)
	}
	open.get()

	if err := os.WriteFile(certFile, []byte("half-written"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.advance()
	if _, name := dial(t, addr); name != "second" {
		t.Errorf("after a broken renewal: served %q, want the previous, second", name)
	}
	writePair(t, certFile, keyFile, "third", false)
	c.advance()
	if _, name := dial(t, addr); name != "third" {
		t.Errorf("after the renewal was completed: served %q, want third", name)
	}
	open.get()
}

// TestReload checks that Reload (what the command calls on SIGHUP)
// reloads a pair whose change the file state does not show (rewritten in
// place, same size, its times put back).
func TestReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePair(t, certFile, keyFile, "aaaa", false)
	old, err := os.Stat(certFile)
	if err != nil {
		t.Fatal(err)
	}
	oldKey, err := os.Stat(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	var c clock
	addr, r := serve(t, certFile, keyFile, &c)
	if _, name := dial(t, addr); name != "aaaa" {
		t.Fatalf("served %q, want aaaa", name)
	}
	// A pair of the same sizes: retry until the encodings match in length.
	for range 100 {
		writePair(t, certFile, keyFile, "bbbb", false)
		c, _ := os.Stat(certFile)
		k, _ := os.Stat(keyFile)
		if c.Size() == old.Size() && k.Size() == oldKey.Size() {
			break
		}
	}
	for f, info := range map[string]os.FileInfo{certFile: old, keyFile: oldKey} {
		if err := os.Chtimes(f, info.ModTime(), info.ModTime()); err != nil {
			t.Fatal(err)
		}
	}
	if c, _ := os.Stat(certFile); c.Size() != old.Size() {
		t.Fatal("could not write a certificate of the same size; the change would be seen without Reload")
	}
	c.advance()
	if _, name := dial(t, addr); name != "aaaa" {
		t.Fatalf("before Reload: served %q, want aaaa (the change should be invisible)", name)
	}
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, name := dial(t, addr); name != "bbbb" {
		t.Fatalf("after Reload: served %q, want bbbb", name)
	}
}

// TestConcurrentHandshakes runs handshakes' GetCertificate from many
// goroutines while the files change and Reload runs; under the race
// detector (go test -race) it checks that the certificate is shared
// safely. Every call gets a certificate of one of the pairs written.
func TestConcurrentHandshakes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePair(t, certFile, keyFile, "first", false)
	r, err := New(certFile, keyFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var c clock
	r.now = c.now
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				cert, err := r.GetCertificate(nil)
				if err != nil || cert == nil || len(cert.Certificate) == 0 {
					t.Errorf("GetCertificate = %v, %v", cert, err)
					return
				}
			}
		})
	}
	for i := range 20 {
		writePair(t, certFile, keyFile, fmt.Sprint("pair", i), true)
		c.advance()
		if i%2 == 0 {
			if err := r.Reload(); err != nil {
				t.Error(err)
			}
		}
	}
	close(stop)
	wg.Wait()
	c.advance()
	cert, _ := r.GetCertificate(nil)
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil || leaf.Subject.CommonName != "pair19" {
		t.Errorf("after the last change and a due check: serving %v, %v; want pair19", leaf.Subject.CommonName, err)
	}
}
