package certreload

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// writePair writes a new self-signed certificate for 127.0.0.1, named cn,
// and its key over certFile and keyFile. rename replaces each file by
// renaming a new one over it, as deployment tools do; otherwise the files
// are rewritten in place.
func writePair(t *testing.T, certFile, keyFile, cn string, rename bool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for path, data := range map[string][]byte{
		certFile: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyFile:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
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

// serve serves HTTPS on loopback through Listen and returns its address.
func serve(t *testing.T, certFile, keyFile string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tln, err := Listen(ln, certFile, keyFile, &tls.Config{MinVersion: tls.VersionTLS13}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(tln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
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
// next connection while a connection made before keeps working, and that a
// broken replacement leaves the previous pair in use.
func TestReloadOnChange(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePair(t, certFile, keyFile, "first", false)
	addr := serve(t, certFile, keyFile)

	open, name := dial(t, addr)
	if name != "first" {
		t.Fatalf("served %q, want first", name)
	}
	open.get()

	writePair(t, certFile, keyFile, "second", true)
	if _, name := dial(t, addr); name != "second" {
		t.Errorf("after renewal: served %q, want second", name)
	}
	open.get()

	if err := os.WriteFile(certFile, []byte("half-written"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, name := dial(t, addr); name != "second" {
		t.Errorf("after a broken renewal: served %q, want the previous, second", name)
	}
	writePair(t, certFile, keyFile, "third", false)
	if _, name := dial(t, addr); name != "third" {
		t.Errorf("after the renewal was completed: served %q, want third", name)
	}
	open.get()
}

// TestReloadOnSIGHUP checks that SIGHUP reloads a pair whose change the
// file state does not show (rewritten in place, same size, its times put
// back).
func TestReloadOnSIGHUP(t *testing.T) {
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
	addr := serve(t, certFile, keyFile)
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
		t.Fatal("could not write a certificate of the same size; the change would be seen without SIGHUP")
	}
	if _, name := dial(t, addr); name != "aaaa" {
		t.Fatalf("before SIGHUP: served %q, want aaaa (the change should be invisible)", name)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, name := dial(t, addr); name == "bbbb" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("SIGHUP did not reload the certificate")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
