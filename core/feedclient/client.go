// Package feedclient is the HTTP client of an agent platform's ACP Feed
// API (openapi.feed.yaml): creating and reading a feed, and upserting its
// products. It reaches only public addresses unless told otherwise (the
// webhook client's rules, core/internal/outbound), carries the platform's
// credential in the header the platform wants, and answers a refusal
// with an *Error holding the status, the error body and Retry-After.
// Neither its errors nor anything else it produces holds the credential
// or a request body.
//
// Layer: the client of a remote API. It may import the feed wire format
// and core/internal; never the model, the store, an engine or an API
// package.
package feedclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/core/feedwire"
	"github.com/acp-sidecar/acp/core/internal/outbound"
)

// ErrForbiddenAddress is wrapped in the error of a request whose
// destination is a loopback, private, link-local or otherwise internal
// address the client is not allowed to reach. Test for it with errors.Is.
var ErrForbiddenAddress = errors.New("forbidden feed platform address")

// defaultTimeout bounds one request when Options.Timeout is zero.
const defaultTimeout = 30 * time.Second

// maxAnswer bounds what is read of an answer.
const maxAnswer = 1 << 20

// userAgent is sent with every request.
const userAgent = "acp-sidecar"

// Options configure New.
type Options struct {
	// BaseURL is the platform's Feed API base URL: POST {BaseURL}/feeds
	// creates a feed. An absolute http or https URL.
	BaseURL string
	// Token is the platform's credential.
	Token string
	// Header is the request header carrying Token: Authorization (when
	// empty) as "Bearer <token>", any other the token as it is.
	Header string
	// Timeout bounds a whole request; 30s when zero.
	Timeout time.Duration
	// AllowPrivateNetworks lets the client reach loopback, private and
	// link-local addresses: for local development and tests only.
	AllowPrivateNetworks bool
}

// Client calls one platform's Feed API. It is safe for concurrent use.
type Client struct {
	base   *url.URL
	header string
	value  string
	http   *http.Client
}

// New returns a client of the Feed API at opts.BaseURL.
func New(opts Options) (*Client, error) {
	base, err := url.Parse(opts.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, errors.New("feed client: the base URL is not an absolute http or https URL")
	}
	base.RawQuery, base.Fragment = "", ""
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	c := &Client{
		base:   base,
		header: opts.Header,
		value:  opts.Token,
		http: outbound.NewClient(outbound.ClientOptions{
			Timeout:              timeout,
			AllowPrivateNetworks: opts.AllowPrivateNetworks,
			Refused:              ErrForbiddenAddress,
		}),
	}
	if c.header == "" || strings.EqualFold(c.header, "Authorization") {
		c.header, c.value = "Authorization", "Bearer "+opts.Token
	}
	return c, nil
}

// Error is the platform's refusal of a request: a status outside 2xx,
// with what its error body and headers said.
type Error struct {
	// Op is the operation: "create feed", "get feed" or "upsert products".
	Op string
	// Status is the HTTP status.
	Status int
	// Body is the error body, when the answer had the Feed API's one
	// (its message and param may quote the request: log the message
	// only bounded, never whole).
	Body feedwire.Error
	// RetryAfter is the pause the platform asked for with Retry-After;
	// zero when it asked for none.
	RetryAfter time.Duration
}

// Error names the operation, the status and the error code, never the
// message or the request.
func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d %s", e.Op, e.Status, http.StatusText(e.Status))
	if e.Body.Code != "" {
		msg += " (code " + e.Body.Code + ")"
	}
	return msg
}

// FeedNotFound reports whether the platform does not know the feed.
func (e *Error) FeedNotFound() bool {
	return e.Status == http.StatusNotFound && e.Body.Code == feedwire.CodeFeedNotFound
}

// Retryable reports whether the same request may succeed later: the
// platform was busy, limited the rate, or failed (408, 425, 429, 5xx).
func (e *Error) Retryable() bool { return outbound.RetryableStatus(e.Status) }

// CreateFeed creates a feed for the market targetCountry (POST /feeds).
func (c *Client) CreateFeed(ctx context.Context, targetCountry string) (*feedwire.FeedMetadata, error) {
	var meta feedwire.FeedMetadata
	if err := c.do(ctx, "create feed", http.MethodPost, c.endpoint("feeds"), feedwire.CreateFeedRequest{TargetCountry: targetCountry}, &meta); err != nil {
		return nil, err
	}
	if meta.ID == "" {
		return nil, errors.New("create feed: the answer has no feed id")
	}
	return &meta, nil
}

// GetFeed reads the feed's metadata (GET /feeds/{id}).
func (c *Client) GetFeed(ctx context.Context, id string) (*feedwire.FeedMetadata, error) {
	var meta feedwire.FeedMetadata
	if err := c.do(ctx, "get feed", http.MethodGet, c.endpoint("feeds", id), nil, &meta); err != nil {
		return nil, err
	}
	return &meta, nil
}

// UpsertProducts creates or replaces the products, each whole, in the
// feed (PATCH /feeds/{id}/products).
func (c *Client) UpsertProducts(ctx context.Context, id string, products []json.RawMessage) (*feedwire.UpsertProductsResponse, error) {
	if products == nil {
		products = []json.RawMessage{}
	}
	var answer feedwire.UpsertProductsResponse
	if err := c.do(ctx, "upsert products", http.MethodPatch, c.endpoint("feeds", id, "products"), feedwire.UpsertProductsRequest{Products: products}, &answer); err != nil {
		return nil, err
	}
	return &answer, nil
}

// endpoint is the URL of the path segments under the base URL, each
// escaped as one segment (a feed id with a slash stays one segment).
func (c *Client) endpoint(segments ...string) *url.URL {
	u := *c.base
	path, raw := strings.TrimSuffix(u.Path, "/"), strings.TrimSuffix(u.EscapedPath(), "/")
	for _, s := range segments {
		path += "/" + s
		raw += "/" + url.PathEscape(s)
	}
	u.Path, u.RawPath = path, raw
	return &u
}

// do sends one request with body (none when nil) as JSON and decodes a
// 2xx answer into answer. A non-2xx answer is an *Error.
func (c *Client) do(ctx context.Context, op, method string, u *url.URL, body, answer any) error {
	var reader io.Reader
	if body != nil {
		// Not escaping <, > and & keeps each product's bytes as
		// feedwire.Encode wrote them.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			return fmt.Errorf("%s: encode the request: %w", op, err)
		}
		reader = &buf
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), reader)
	if err != nil {
		return fmt.Errorf("%s: %w", op, outbound.WithoutURL(err))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(c.header, c.value)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, outbound.WithoutURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("%s: read the answer: %w", op, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &Error{Op: op, Status: resp.StatusCode, RetryAfter: outbound.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
		if json.Unmarshal(data, &e.Body) != nil || outbound.ErrorCode(data) != e.Body.Code {
			// Not the Feed API's error body, or a code not plain
			// enough to repeat.
			e.Body = feedwire.Error{}
		}
		return e
	}
	if err := json.Unmarshal(data, answer); err != nil {
		return fmt.Errorf("%s: the answer (HTTP %d) is not the expected JSON: %w", op, resp.StatusCode, err)
	}
	return nil
}
