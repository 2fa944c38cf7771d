package host_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and returns the
// certificate and key file paths and a pool trusting it.
func writeCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "acp test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestTLSMinimumVersion serves HTTPS and checks that TLS 1.2 clients are
// refused unless server.tls.min_version says "1.2".
func TestTLSMinimumVersion(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := writeCert(t)
	testCases := map[string]struct {
		minVersion    config.TLSVersion
		clientMax     uint16
		wantHandshake bool
	}{
		"1.3 server, 1.3 client": {config.TLSVersion13, tls.VersionTLS13, true},
		"1.3 server, 1.2 client": {config.TLSVersion13, tls.VersionTLS12, false},
		"1.2 server, 1.2 client": {config.TLSVersion12, tls.VersionTLS12, true},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := loadTestConfig(t, t.TempDir())
			cfg.Server.TLS = config.TLS{CertFile: certFile, KeyFile: keyFile, MinVersion: tc.minVersion}
			s := startServer(t, cfg)
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tc.clientMax}}}
			defer client.CloseIdleConnections()
			resp, err := client.Get(strings.Replace(s.base, "http://", "https://", 1) + "/healthz")
			if !tc.wantHandshake {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("a TLS %x client was served", tc.clientMax)
				}
				return
			}
			if err != nil {
				t.Fatalf("GET over TLS: %v", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
				t.Fatalf("status %d, TLS %+v", resp.StatusCode, resp.TLS)
			}
		})
	}
}
