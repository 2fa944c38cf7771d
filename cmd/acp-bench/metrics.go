package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// serverRequests reads the server's own count of the checkout requests
// it served: the sum of acp_http_requests_total over the routes under
// /checkout_sessions, every method and status, from its /metrics.
func serverRequests(base string) (int64, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return 0, fmt.Errorf("read the server's metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("read the server's metrics: %s", resp.Status)
	}
	return checkoutRequests(resp.Body)
}

// checkoutRequests sums the checkout routes' acp_http_requests_total in
// Prometheus text.
func checkoutRequests(r io.Reader) (int64, error) {
	var total int64
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		labels, ok := strings.CutPrefix(line, "acp_http_requests_total{")
		if !ok || !strings.Contains(labels, `route="/checkout_sessions`) {
			continue
		}
		_, value, ok := strings.Cut(labels, "} ")
		if !ok {
			return 0, fmt.Errorf("unreadable metric %q", line)
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return 0, fmt.Errorf("unreadable metric %q", line)
		}
		total += int64(v)
	}
	return total, sc.Err()
}
