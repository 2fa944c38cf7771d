package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// The generator speaks HTTP/1.1 itself over one keep-alive connection per
// agent, as wrk does, rather than through net/http: a request is a buffer
// of prepared bytes with the keys written in, an answer is a status line,
// three headers looked at and a body read into a buffer that is reused.
// The generator shares the CPU with the server it measures, so every
// microsecond it spends per request is taken from the server; and it
// never sends a request twice (net/http retries some on a reused
// connection), so that its counts are the server's.

// idleRedial is how long a connection may sit idle before an agent dials
// a fresh one rather than risk a server having closed it (servers close
// idle connections after tens of seconds; the sidecar after 60 s).
const idleRedial = 10 * time.Second

// maxHeaderLine bounds a status or header line of an answer.
const maxHeaderLine = 16 << 10

// errHeaderTooLong is the transport error of an answer whose status or
// header line does not fit in maxHeaderLine.
var errHeaderTooLong = errors.New("an answer's header line is too long")

// endpoint is where requests go: the target's address and base path.
type endpoint struct {
	// scheme is "http" or "https"; host the Host header; addr what is
	// dialled.
	scheme, host, addr string
	// base is the escaped path of /checkout_sessions under the target's
	// path prefix.
	base string
	// serverName is the TLS server name.
	serverName string
}

// parseEndpoint reads a target that WithDefaults accepted.
func parseEndpoint(target string) (endpoint, error) {
	u, err := url.Parse(target)
	if err != nil {
		return endpoint{}, fmt.Errorf("target %q: %w", target, err)
	}
	e := endpoint{scheme: u.Scheme, host: u.Host, serverName: u.Hostname(), base: u.EscapedPath() + "/checkout_sessions"}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	e.addr = net.JoinHostPort(u.Hostname(), port)
	return e, nil
}

// conn is one agent's connection, dialled when needed and dropped after
// any error, a "Connection: close" or an idle spell.
type conn struct {
	ep      *endpoint
	timeout time.Duration
	// mu guards nc against close from another goroutine (interrupt);
	// only the agent's goroutine sets it.
	mu       sync.Mutex
	nc       net.Conn
	br       *bufio.Reader
	lastUsed time.Time
	// body is the last answer's body; reused by the next request.
	body []byte
}

// response is an answer as the generator reads it. body is the conn's
// buffer, valid until the next request; tooLarge says the body was longer
// than maxBody and was not read.
type response struct {
	status   int
	body     []byte
	tooLarge bool
}

// roundTrip sends req (a whole HTTP/1.1 request) and reads the answer. It
// returns when the request left (or failed to) as sent. Any error closes
// the connection: the next request dials a fresh one, and the failed
// request is not sent again.
func (c *conn) roundTrip(ctx context.Context, req []byte) (resp response, sent time.Time, err error) {
	if c.nc != nil && time.Since(c.lastUsed) > idleRedial {
		c.close()
	}
	if c.nc == nil {
		if err := c.dial(ctx); err != nil {
			return response{}, time.Now(), err
		}
	}
	sent = time.Now()
	if err := c.nc.SetDeadline(sent.Add(c.timeout)); err != nil {
		c.close()
		return response{}, sent, err
	}
	if _, err := c.nc.Write(req); err != nil {
		c.close()
		return response{}, sent, err
	}
	resp, keep, err := c.read()
	if err != nil {
		c.close()
		return response{}, sent, err
	}
	c.lastUsed = time.Now()
	if !keep {
		c.close()
	}
	return resp, sent, nil
}

// dial connects, with a TLS handshake for https, within the timeout.
func (c *conn) dial(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	d := net.Dialer{KeepAlive: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", c.ep.addr)
	if err != nil {
		return err
	}
	if c.ep.scheme == "https" {
		tc := tls.Client(nc, &tls.Config{ServerName: c.ep.serverName, NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12})
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = nc.Close()
			return err
		}
		nc = tc
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ctx.Err() != nil { // interrupted while dialling: close it here
		_ = nc.Close()
		return ctx.Err()
	}
	c.nc = nc
	if c.br == nil {
		c.br = bufio.NewReaderSize(nc, maxHeaderLine)
	} else {
		c.br.Reset(nc)
	}
	return nil
}

// interrupt closes the connection under the request in flight, from
// another goroutine; the agent's next use of it fails.
func (c *conn) interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nc != nil {
		_ = c.nc.Close()
	}
}

// close drops the connection.
func (c *conn) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nc != nil {
		_ = c.nc.Close()
		c.nc = nil
	}
}

// read reads one answer (skipping 1xx interim answers) and says whether
// the connection may carry another request.
func (c *conn) read() (resp response, keep bool, err error) {
	for {
		resp, keep, err = c.readOne()
		if err != nil || resp.status >= 200 || resp.status == 101 {
			return resp, keep, err
		}
	}
}

// readOne reads a status line, the headers and the body of one answer.
func (c *conn) readOne() (resp response, keep bool, err error) {
	line, err := c.line()
	if err != nil {
		return resp, false, err
	}
	// HTTP/1.x SSS reason
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return resp, false, fmt.Errorf("malformed status line %q", line)
	}
	keep = line[7] == '1' // HTTP/1.1 keeps the connection unless told otherwise
	resp.status, err = strconv.Atoi(string(line[9:12]))
	if err != nil || resp.status < 100 {
		return resp, false, fmt.Errorf("malformed status line %q", line)
	}
	length, chunked := int64(-1), false
	for {
		line, err := c.line()
		if err != nil {
			return resp, false, err
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return resp, false, fmt.Errorf("malformed header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n < 0 {
				return resp, false, fmt.Errorf("malformed Content-Length %q", value)
			}
			length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			switch {
			case bytes.EqualFold(value, []byte("close")):
				keep = false
			case bytes.EqualFold(value, []byte("keep-alive")):
				keep = true
			}
		}
	}
	c.body = c.body[:0]
	switch {
	case resp.status < 200, resp.status == 204, resp.status == 304:
	case chunked:
		err = c.readChunked(&resp)
	case length > maxBody:
		resp.tooLarge = true
		keep = false // the body stays unread
	case length >= 0:
		if int64(cap(c.body)) < length {
			c.body = make([]byte, length)
		}
		c.body = c.body[:length]
		_, err = io.ReadFull(c.br, c.body)
	default: // the body runs until the server closes the connection
		keep = false
		c.body, err = readUpTo(c.br, c.body, maxBody)
		if err == nil && len(c.body) > maxBody {
			resp.tooLarge = true
		}
	}
	if err != nil {
		return resp, false, err
	}
	if resp.tooLarge {
		c.body = c.body[:0]
		keep = false
	}
	resp.body = c.body
	return resp, keep, nil
}

// line reads a line without its CRLF.
func (c *conn) line() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, errHeaderTooLong
	}
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

// readChunked reads a chunked body (and its trailers) into c.body, up to
// maxBody; a longer one sets resp.tooLarge.
func (c *conn) readChunked(resp *response) error {
	for {
		line, err := c.line()
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("malformed chunk size %q", line)
		}
		if n == 0 {
			break
		}
		if int64(len(c.body))+n > maxBody {
			resp.tooLarge = true
			return nil // the rest stays unread; the connection is dropped
		}
		c.body = append(c.body, make([]byte, n)...)
		if _, err := io.ReadFull(c.br, c.body[int64(len(c.body))-n:]); err != nil {
			return err
		}
		if line, err := c.line(); err != nil || len(line) != 0 {
			return fmt.Errorf("malformed chunk end: %w", chunkEndError(err))
		}
	}
	for { // trailers, until an empty line
		line, err := c.line()
		if err != nil {
			return err
		}
		if len(line) == 0 {
			return nil
		}
	}
}

// chunkEndError keeps err, or names a missing CRLF.
func chunkEndError(err error) error {
	if err != nil {
		return err
	}
	return errors.New("no CRLF after the chunk")
}

// readUpTo appends r's bytes to buf until EOF or until it holds more than
// limit bytes.
func readUpTo(r io.Reader, buf []byte, limit int) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(limit-len(buf))+1))
	return append(buf, data...), err
}
