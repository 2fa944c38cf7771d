package host_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A graceful stop answers every request whose connection was made before
// it began, including connections still queued in the kernel, unread:
// none is reset.
func TestGracefulStopDrainsQueuedConnections(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadTestConfig(t, t.TempDir()))
	addr := strings.TrimPrefix(s.base, "http://")
	const n = 128
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	stopped := make(chan struct{})
	go func() { s.stop(); close(stopped) }()
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("connection %d of %d, made before the stop: %v", i, n, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("connection %d: status %d", i, resp.StatusCode)
		}
	}
	<-stopped
}
