package host_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and returns the
// certificate and key file paths and a pool trusting it.
func writeCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	certPEM, keyPEM, cert := testkit.SelfSignedCert(t, "acp test", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
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
