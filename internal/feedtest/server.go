package feedtest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/internal/acpschema"
)

// Version is the ACP release whose feed schema request bodies are
// validated against.
const Version = "2026-04-17"

// Options configure New.
type Options struct {
	// Token is the credential every request must carry; empty accepts
	// any request.
	Token string
	// Header is the request header carrying Token: Authorization (when
	// empty) as "Bearer <token>", any other the token as it is.
	Header string
	// FeedUpdateIDs makes the server answer every accepted upsert with a
	// feed_update_id (the unreleased spec's).
	FeedUpdateIDs bool
}

// Mode is how the server answers (SetMode).
type Mode int

// The server's modes.
const (
	// Serving answers requests, as a working platform does.
	Serving Mode = iota
	// Refusing closes the listener and every connection: connections are
	// refused, as by a platform that is down.
	Refusing
	// Unavailable answers every request with 503.
	Unavailable
)

// Upsert is one PATCH /feeds/{id}/products the server received.
type Upsert struct {
	// At is when it arrived.
	At time.Time
	// Feed is the feed id of its path.
	Feed string
	// Products are its products, as sent; IDs their ids.
	Products []json.RawMessage
	IDs      []string
	// Status is the HTTP status the server answered.
	Status int
	// FeedUpdateID is the feed_update_id answered, when one was.
	FeedUpdateID string
}

// Server is a running test Feed API. Its methods are safe for concurrent
// use.
type Server struct {
	t      testing.TB
	opts   Options
	schema *acpschema.Validator
	addr   string

	mu       sync.Mutex
	srv      *http.Server
	mode     Mode
	failLeft int
	failWith int
	failWait time.Duration
	refused  map[string]int
	feeds    map[string]*feed
	feedSeq  int
	updSeq   int
	upserts  []Upsert
	requests int
}

// feed is one feed the server holds.
type feed struct {
	meta     metadata
	products map[string]json.RawMessage
}

// metadata is the server's FeedMetadata.
type metadata struct {
	ID            string `json:"id"`
	TargetCountry string `json:"target_country,omitempty"`
	UpdatedAt     string `json:"updated_at"`
}

// New starts a server on a loopback port; it is closed when t ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{
		t:       t,
		opts:    opts,
		schema:  acpschema.Feed(t, Version),
		refused: map[string]int{},
		feeds:   map[string]*feed{},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("feedtest: listen: %v", err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(s.Close)
	return s
}

// serve starts a new HTTP server on ln; s.mu is held or s is not shared
// yet.
func (s *Server) serve(ln net.Listener) {
	srv := &http.Server{Handler: s.mux(), ReadHeaderTimeout: 10 * time.Second}
	s.srv = srv
	go func() { _ = srv.Serve(ln) }()
}

// URL is the Feed API's base URL.
func (s *Server) URL() string { return "http://" + s.addr }

// Close stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		_ = s.srv.Close()
		s.srv = nil
	}
}

// SetMode puts the server in mode m: Refusing closes the listener and
// every connection, Unavailable answers 503, Serving listens again (on
// the same port) and answers.
func (s *Server) SetMode(m Mode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = m
	switch {
	case m == Refusing && s.srv != nil:
		_ = s.srv.Close()
		s.srv = nil
	case m != Refusing && s.srv == nil:
		var ln net.Listener
		var err error
		// The port was just released; another process may hold it for a
		// moment.
		for range 50 {
			if ln, err = net.Listen("tcp", s.addr); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			s.t.Errorf("feedtest: listen again on %s: %v", s.addr, err)
			return
		}
		s.serve(ln)
	}
}

// FailNext answers the next n requests with status and an error body,
// and with Retry-After when retryAfter is positive (in whole seconds,
// rounded up).
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLeft, s.failWith, s.failWait = n, status, retryAfter
}

// Refuse makes the server answer status to every upsert holding one of
// the products, as a platform does with a product it will not take (400
// invalid_product_payload, 413 request_too_large, 422
// unprocessable_product) or one it fails on (a 5xx, internal_error).
// Status 0 takes the products back.
func (s *Server) Refuse(status int, productIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range productIDs {
		if status == 0 {
			delete(s.refused, id)
		} else {
			s.refused[id] = status
		}
	}
}

// refusalCode is the error code Refuse answers with status.
func refusalCode(status int) (typ, code string) {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request", "invalid_product_payload"
	case http.StatusRequestEntityTooLarge:
		return "invalid_request", "request_too_large"
	case http.StatusUnprocessableEntity:
		return "invalid_request", "unprocessable_product"
	}
	return "processing_error", "internal_error"
}

// DeleteFeed forgets the feed: requests naming it get 404 feed_not_found.
func (s *Server) DeleteFeed(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.feeds, id)
}

// Feeds returns the ids of the feeds the server holds, sorted.
func (s *Server) Feeds() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.feeds))
}

// Products returns the feed's products by id, as last upserted; nil when
// there is no such feed.
func (s *Server) Products(feedID string) map[string]json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.feeds[feedID]
	if f == nil {
		return nil
	}
	return maps.Clone(f.products)
}

// Upserts returns every upsert received, in the order they arrived.
func (s *Server) Upserts() []Upsert {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.upserts)
}

// Accepted returns the products of the accepted upserts (answered 200),
// in the order they arrived: for each, the feed and the product's id and
// body.
func (s *Server) Accepted() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sent
	for _, u := range s.upserts {
		if u.Status != http.StatusOK {
			continue
		}
		for i, id := range u.IDs {
			out = append(out, Sent{Feed: u.Feed, ID: id, Body: u.Products[i]})
		}
	}
	return out
}

// Sent is one product of an accepted upsert.
type Sent struct {
	// Feed is the feed's id; ID the product's.
	Feed, ID string
	// Body is the product as sent.
	Body json.RawMessage
}

// Requests returns how many requests reached the server.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// mux routes the Feed API's operations.
func (s *Server) mux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /feeds", s.createFeed)
	mux.HandleFunc("GET /feeds/{id}", s.getFeed)
	mux.HandleFunc("GET /feeds/{id}/products", s.getProducts)
	mux.HandleFunc("PATCH /feeds/{id}/products", s.upsertProducts)
	return s.gate(mux)
}

// maxBody bounds a request body.
const maxBody = 16 << 20

// gate counts the request, validates its body against the schema, and
// answers it itself when the server is unavailable, failing on demand or
// the credential is wrong.
func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid_request", "unreadable_body", "the body could not be read", "")
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		s.validate(r, body)
		s.mu.Lock()
		s.requests++
		mode := s.mode
		status, wait := 0, time.Duration(0)
		if s.failLeft > 0 {
			s.failLeft--
			status, wait = s.failWith, s.failWait
		}
		s.mu.Unlock()
		if mode == Unavailable {
			status = http.StatusServiceUnavailable
		}
		if status == 0 && !s.authorized(r) {
			status = http.StatusUnauthorized
		}
		if status == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodPatch {
			// Not routed yet: the feed id is read from the path itself.
			s.record(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/feeds/"), "/products"), body, status, "")
		}
		if wait > 0 {
			w.Header().Set("Retry-After", strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10))
		}
		code := "unavailable"
		if status == http.StatusUnauthorized {
			code = "unauthorized"
		}
		writeError(w, status, "request_error", code, http.StatusText(status), "")
	})
}

// schemaComplaint starts the message of a request body the schema
// refuses (validate).
const schemaComplaint = "feedtest: the schema refuses a request body: "

// validate checks a request body against the feed schema.
func (s *Server) validate(r *http.Request, body []byte) {
	def := ""
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/feeds":
		def = "CreateFeedRequest"
	case r.Method == http.MethodPatch && strings.HasSuffix(r.URL.Path, "/products"):
		def = "UpsertProductsRequest"
	}
	if def == "" {
		if len(body) > 0 {
			s.t.Errorf("feedtest: %s %s has a body", r.Method, r.URL.Path)
		}
		return
	}
	if err := s.schema.Check(def, body); err != nil {
		s.t.Errorf(schemaComplaint+"%s %s: the body is not a valid %s %s: %v\nbody: %s", r.Method, r.URL.Path, Version, def, err, body)
	}
}

// authorized reports whether r carries the expected credential.
func (s *Server) authorized(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	header, want := s.opts.Header, s.opts.Token
	if header == "" || strings.EqualFold(header, "Authorization") {
		header, want = "Authorization", "Bearer "+want
	}
	got := r.Header.Get(header)
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// countryPattern is an ISO 3166-1 alpha-2 code.
var countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)

// createFeed is POST /feeds: it creates a feed for the body's market,
// answering 400 invalid_target_country to a country that is not an
// ISO 3166-1 alpha-2 code.
func (s *Server) createFeed(w http.ResponseWriter, r *http.Request) {
	var req struct {
		TargetCountry *string `json:"target_country"`
	}
	if err := decodeObject(r.Body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "invalid_feed_payload", err.Error(), "")
		return
	}
	country := ""
	if req.TargetCountry != nil {
		country = *req.TargetCountry
		if !countryPattern.MatchString(country) {
			writeError(w, http.StatusBadRequest, "invalid_request", "invalid_target_country", "target_country must be an ISO 3166-1 alpha-2 code", "target_country")
			return
		}
	}
	s.mu.Lock()
	s.feedSeq++
	f := &feed{
		meta:     metadata{ID: fmt.Sprintf("feed_%d", s.feedSeq), TargetCountry: country, UpdatedAt: now()},
		products: map[string]json.RawMessage{},
	}
	s.feeds[f.meta.ID] = f
	meta := f.meta
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, meta)
}

// now is the time as FeedMetadata.updated_at writes it.
func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// lookup returns the feed of the request's path, or answers 404.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) (*feed, bool) {
	f := s.feeds[r.PathValue("id")]
	if f == nil {
		writeError(w, http.StatusNotFound, "invalid_request", "feed_not_found", "Feed not found", "id")
		return nil, false
	}
	return f, true
}

// getFeed is GET /feeds/{id}: the feed's metadata, or 404
// feed_not_found.
func (s *Server) getFeed(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f, ok := s.lookup(w, r)
	var meta metadata
	if ok {
		meta = f.meta
	}
	s.mu.Unlock()
	if ok {
		writeJSON(w, http.StatusOK, meta)
	}
}

// getProducts is GET /feeds/{id}/products: the feed's products by id,
// or 404 feed_not_found.
func (s *Server) getProducts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f, ok := s.lookup(w, r)
	products := []json.RawMessage{}
	if ok {
		for _, id := range slices.Sorted(maps.Keys(f.products)) {
			products = append(products, f.products[id])
		}
	}
	s.mu.Unlock()
	if ok {
		writeJSON(w, http.StatusOK, map[string]any{"products": products})
	}
}

// upsertProducts is PATCH /feeds/{id}/products: it checks the body
// (checkUpsert) and stores each product whole, answering accepted (with
// a feed_update_id when asked to), 400 invalid_product_payload to a body
// that fails the checks, what Refuse set for a batch holding a product
// it refuses, or 404 feed_not_found. Every upsert is recorded.
func (s *Server) upsertProducts(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id := r.PathValue("id")
	ids, products, param, err := checkUpsert(body)
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.lookup(w, r)
	if !ok {
		s.recordLocked(id, body, http.StatusNotFound, "")
		return
	}
	if err != nil {
		s.recordLocked(id, body, http.StatusBadRequest, "")
		writeError(w, http.StatusBadRequest, "invalid_request", "invalid_product_payload", err.Error(), param)
		return
	}
	for i, pid := range ids {
		if status := s.refused[pid]; status != 0 {
			s.recordLocked(id, body, status, "")
			typ, code := refusalCode(status)
			writeError(w, status, typ, code, fmt.Sprintf("product %s is refused", pid), fmt.Sprintf("products[%d]", i))
			return
		}
	}
	for i, pid := range ids {
		f.products[pid] = products[i]
	}
	f.meta.UpdatedAt = now()
	answer := map[string]any{"id": id, "accepted": true}
	update := ""
	if s.opts.FeedUpdateIDs {
		s.updSeq++
		update = fmt.Sprintf("upd_%d", s.updSeq)
		answer["feed_update_id"] = update
	}
	s.recordLocked(id, body, http.StatusOK, update)
	writeJSON(w, http.StatusOK, answer)
}

// record records an upsert answered with status.
func (s *Server) record(feedID string, body []byte, status int, update string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordLocked(feedID, body, status, update)
}

// recordLocked is record with s.mu held.
func (s *Server) recordLocked(feedID string, body []byte, status int, update string) {
	u := Upsert{At: time.Now(), Feed: feedID, Status: status, FeedUpdateID: update}
	var req struct {
		Products []json.RawMessage `json:"products"`
	}
	if json.Unmarshal(body, &req) == nil {
		u.Products = req.Products
		for _, p := range req.Products {
			var head struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(p, &head)
			u.IDs = append(u.IDs, head.ID)
		}
	}
	s.upserts = append(s.upserts, u)
}
