package testkit

import (
	"strings"
	"testing"
	"time"
)

// TestVerifySignature checks the verifier against a header computed with
// OpenSSL (see signature.TestTimestampedHMAC).
func TestVerifySignature(t *testing.T) {
	t.Parallel()
	const (
		header = "t=1700000000,v1=e4cf8279a02b62395a694bc0975fc58d8e794b02efd25dbe23b952789d1cf6ef"
		body   = `{"type":"order_create","data":{"id":"ord_1"}}`
	)
	at := time.Unix(1700000000, 0)
	testCases := map[string]struct {
		secret, header, body string
		now                  time.Time
		skew                 time.Duration
		wantErr              bool
	}{
		"valid":            {secret: "whsec_test", header: header, body: body, now: at},
		"within the skew":  {secret: "whsec_test", header: header, body: body, now: at.Add(time.Minute), skew: 5 * time.Minute},
		"a changed body":   {secret: "whsec_test", header: header, body: body + " ", now: at, wantErr: true},
		"another secret":   {secret: "whsec_other", header: header, body: body, now: at, wantErr: true},
		"an old timestamp": {secret: "whsec_test", header: header, body: body, now: at.Add(time.Minute), wantErr: true},
		"upper-case hex":   {secret: "whsec_test", header: header[:17] + strings.ToUpper(header[17:]), body: body, now: at, wantErr: true},
		"no timestamp":     {secret: "whsec_test", header: header[14:], body: body, now: at, wantErr: true},
		"a short mac":      {secret: "whsec_test", header: header[:len(header)-2], body: body, now: at, wantErr: true},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := VerifySignature([]byte(tc.secret), tc.header, []byte(tc.body), tc.now, tc.skew)
			if (err != nil) != tc.wantErr {
				t.Errorf("VerifySignature() = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

func TestBuffer(t *testing.T) {
	t.Parallel()
	var b Buffer
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 100 {
				b.Write([]byte("x"))
			}
		}()
	}
	for range 4 {
		<-done
	}
	if got := len(b.String()); got != 400 {
		t.Errorf("wrote 400 bytes, kept %d", got)
	}
}

func TestEventually(t *testing.T) {
	t.Parallel()
	n := 0
	Eventually(t, 10*time.Second, "the third poll", func() bool { n++; return n == 3 })
	if n != 3 {
		t.Errorf("polled %d times, want 3", n)
	}
}

// TestSourceKey checks that the binaries' cache key is stable and follows
// the sources.
func TestSourceKey(t *testing.T) {
	t.Parallel()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	a, err := sourceKey(root)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := sourceKey(root)
	if a != b || len(a) != 16 {
		t.Errorf("keys %q and %q, want one 16-digit key", a, b)
	}
}
