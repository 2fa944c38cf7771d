package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cannedServer answers every request on a connection with the next of
// answers, written as they are, and closes the connection after the
// last. It returns the address and how many connections it accepted.
func cannedServer(t *testing.T, answers ...string) (string, func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan struct{}, 100)
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			go func() {
				defer nc.Close()
				br := bufio.NewReader(nc)
				for _, a := range answers {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					if _, err := io.WriteString(nc, a); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), func() int { return len(accepted) }
}

// TestConnRoundTrip reads answers of every framing HTTP/1.1 allows and
// checks what is read and whether the connection is kept.
func TestConnRoundTrip(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", maxBody+1)
	testCases := map[string]struct {
		answer     string
		wantStatus int
		wantBody   string
		wantKeep   bool
		wantLarge  bool
		wantErr    bool
	}{
		"content length":       {"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello", 201, "hello", true, false, false},
		"header case":          {"HTTP/1.1 200 OK\r\ncontent-length:  2 \r\n\r\nok", 200, "ok", true, false, false},
		"chunked":              {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: 1\r\n\r\n", 200, "abcde", true, false, false},
		"connection close":     {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", 200, "ok", false, false, false},
		"HTTP/1.0":             {"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 200, "ok", false, false, false},
		"HTTP/1.0 keep-alive":  {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", 200, "ok", true, false, false},
		"until close":          {"HTTP/1.1 200 OK\r\n\r\nall of it", 200, "all of it", false, false, false},
		"no content":           {"HTTP/1.1 204 No Content\r\n\r\n", 204, "", true, false, false},
		"interim answer":       {"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 200, "ok", true, false, false},
		"too large":            {"HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(maxBody+1) + "\r\n\r\n", 200, "", false, true, false},
		"too large, chunked":   {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + strconv.FormatInt(int64(len(big)), 16) + "\r\n" + big + "\r\n0\r\n\r\n", 200, "", false, true, false},
		"too large, run-on":    {"HTTP/1.1 200 OK\r\n\r\n" + big, 200, "", false, true, false},
		"malformed status":     {"HTTP/2 200\r\n\r\n", 0, "", false, false, true},
		"malformed length":     {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, "", false, false, true},
		"malformed header":     {"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", 0, "", false, false, true},
		"truncated body":       {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", 0, "", false, false, true},
		"header line too long": {"HTTP/1.1 200 OK\r\nX: " + strings.Repeat("y", maxHeaderLine) + "\r\n\r\n", 0, "", false, false, true},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			addr, _ := cannedServer(t, tc.answer)
			ep := endpoint{scheme: "http", host: addr, addr: addr, base: "/checkout_sessions"}
			c := &conn{ep: &ep, timeout: 5 * time.Second}
			defer c.close()
			resp, _, err := c.roundTrip(context.Background(), []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
			if (err != nil) != tc.wantErr {
				t.Fatalf("roundTrip error = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				if c.nc != nil {
					t.Error("the connection was kept after an error")
				}
				return
			}
			if resp.status != tc.wantStatus || string(resp.body) != tc.wantBody || resp.tooLarge != tc.wantLarge {
				t.Errorf("answer = %d %q (too large %v), want %d %q (%v)", resp.status, resp.body, resp.tooLarge, tc.wantStatus, tc.wantBody, tc.wantLarge)
			}
			if kept := c.nc != nil; kept != tc.wantKeep {
				t.Errorf("connection kept = %v, want %v", kept, tc.wantKeep)
			}
		})
	}
}

// TestConnReuse sends several requests on one keep-alive connection and
// dials again after the server closes it.
func TestConnReuse(t *testing.T) {
	t.Parallel()
	ok := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	addr, accepted := cannedServer(t, ok, ok, ok)
	ep := endpoint{scheme: "http", host: addr, addr: addr}
	c := &conn{ep: &ep, timeout: 5 * time.Second}
	defer c.close()
	for i := range 6 {
		resp, _, err := c.roundTrip(context.Background(), []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		if i == 3 {
			// The server closed the connection after three answers: the
			// fourth request fails and is not sent again.
			if err == nil {
				t.Fatalf("request %d on a closed connection = %d, want an error", i, resp.status)
			}
			continue
		}
		if err != nil || resp.status != 200 {
			t.Fatalf("request %d = %d, %v", i, resp.status, err)
		}
	}
	if n := accepted(); n != 2 {
		t.Errorf("%d connections for 6 requests, want 2", n)
	}
}

func TestParseEndpoint(t *testing.T) {
	t.Parallel()
	testCases := map[string]endpoint{
		"http://127.0.0.1:8080":      {scheme: "http", host: "127.0.0.1:8080", addr: "127.0.0.1:8080", base: "/checkout_sessions", serverName: "127.0.0.1"},
		"https://shop.example/acp":   {scheme: "https", host: "shop.example", addr: "shop.example:443", base: "/acp/checkout_sessions", serverName: "shop.example"},
		"http://[::1]/a%20b":         {scheme: "http", host: "[::1]", addr: "[::1]:80", base: "/a%20b/checkout_sessions", serverName: "::1"},
		"http://localhost:9/x/y/../": {scheme: "http", host: "localhost:9", addr: "localhost:9", base: "/x/y/../checkout_sessions", serverName: "localhost"},
	}
	for target, want := range testCases {
		cfg, err := Config{Target: target, Requests: 1}.WithDefaults()
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseEndpoint(cfg.Target)
		if err != nil || got != want {
			t.Errorf("parseEndpoint(%q) = %+v, %v; want %+v", target, got, err, want)
		}
	}
}

func TestSessionFields(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		body               string
		wantID, wantStatus string
		wantOK             bool
	}{
		"flat":             {`{"id":"cs_1","status":"completed"}`, "cs_1", "completed", true},
		"nested ids first": {`{"capabilities":{"id":"x","handlers":[{"id":"h","status":"s"}]},"status":"canceled","id":"cs_2"}`, "cs_2", "canceled", true},
		"spaces and types": {"{ \"n\" : -1.5e3 , \"b\": true, \"z\":null, \"a\":[1,[2,\"]\"]],\n\"id\" : \"cs_3\" }", "cs_3", "", true},
		"escapes":          {`{"s":"a\"b}","id":"cs_\u0034"}`, "cs_4", "", true},
		"no id":            {`{"status":"completed"}`, "", "completed", true},
		"not an object":    {`["id"]`, "", "", false},
		"truncated":        {`{"id":"cs_1","status":"comp`, "", "", false},
		"truncated array":  {`{"a":[1,2`, "", "", false},
		"empty":            {``, "", "", false},
		"empty object":     {`{}`, "", "", true},
		"no colon":         {`{"id" "x"}`, "", "", false},
		"bad string":       {`{"id":"\x"}`, "", "", false},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			id, status, ok := sessionFields([]byte(tc.body))
			if id != tc.wantID || status != tc.wantStatus || ok != tc.wantOK {
				t.Errorf("sessionFields(%s) = %q, %q, %v; want %q, %q, %v", tc.body, id, status, ok, tc.wantID, tc.wantStatus, tc.wantOK)
			}
		})
	}
}

// BenchmarkSessionFields reads the id of a real session's answer.
func BenchmarkSessionFields(b *testing.B) {
	for b.Loop() {
		if id, _, ok := sessionFields(BaselineSession); !ok || id == "" {
			b.Fatal("no id")
		}
	}
}

func BenchmarkSessionUnmarshal(b *testing.B) {
	for b.Loop() {
		var s session
		if json.Unmarshal(BaselineSession, &s) != nil || s.ID == "" {
			b.Fatal("no id")
		}
	}
}
