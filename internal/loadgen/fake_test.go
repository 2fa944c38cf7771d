package loadgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const fakeToken = "tok_fake"

// fakeACP is a tiny ACP server: create, update, complete, cancel and get,
// with idempotency keys replayed per path, header checks, and injected
// faults (503s on updates, one replay that differs, slow creates).
type fakeACP struct {
	// fail503Every makes every n-th update answer 503
	// upstream_unavailable (0: never).
	fail503Every int
	// mismatchOnce makes the first replay answer another body.
	mismatchOnce bool
	// delay slows every create down.
	delay time.Duration

	mu       sync.Mutex
	sessions map[string]string // id → status
	stored   map[string]storedAnswer
	seq      int
	updates  int
	// What the server saw and did.
	requests, injected503, mismatches int
	badHeaders                        []string
	// served counts the requests by the endpoint label the generator
	// would give them.
	served map[Endpoint]int64
}

type storedAnswer struct {
	body   []byte
	status int
	answer []byte
}

func newFake(t *testing.T, f *fakeACP) (*fakeACP, string) {
	t.Helper()
	f.sessions = map[string]string{}
	f.served = map[Endpoint]int64{}
	f.stored = map[string]storedAnswer{}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeACP) counts() (requests, injected503, mismatches int, bad []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, f.injected503, f.mismatches, slices.Clone(f.badHeaders)
}

func acpError(w http.ResponseWriter, status int, typ, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"type":%q,"code":%q,"message":"fake","param":"$"}`, typ, code)
}

func (f *fakeACP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if problem := checkHeaders(r); problem != "" {
		f.badHeaders = append(f.badHeaders, problem)
		acpError(w, http.StatusBadRequest, "invalid_request", "bad_headers")
		return
	}
	key := r.URL.Path + " " + r.Header.Get("Idempotency-Key")
	f.served[endpointOf(r, f.stored[key].status != 0)]++
	if r.Method == http.MethodPost {
		if s, ok := f.stored[key]; ok {
			if !bytes.Equal(s.body, body) {
				acpError(w, http.StatusUnprocessableEntity, "invalid_request", "idempotency_conflict")
				return
			}
			answer := s.answer
			if f.mismatchOnce && f.mismatches == 0 {
				f.mismatches++
				answer = append(bytes.TrimSuffix(slices.Clone(answer), []byte("}")), []byte(`,"extra":true}`)...)
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(s.status)
			_, _ = w.Write(answer)
			return
		}
	}
	status, answer := f.handle(r, body)
	if status >= 500 {
		acpError(w, status, "service_unavailable", "upstream_unavailable")
		return
	}
	if r.Method == http.MethodPost {
		f.stored[key] = storedAnswer{body: body, status: status, answer: answer}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(answer)
}

// endpointOf labels a request as the generator does; replayed says its
// key was seen before.
func endpointOf(r *http.Request, replayed bool) Endpoint {
	switch {
	case r.Method == http.MethodGet:
		return EndpointGet
	case r.URL.Path == "/checkout_sessions" && replayed:
		return EndpointCreateReplay
	case r.URL.Path == "/checkout_sessions":
		return EndpointCreate
	case strings.HasSuffix(r.URL.Path, "/complete"):
		return EndpointComplete
	case strings.HasSuffix(r.URL.Path, "/cancel"):
		return EndpointCancel
	}
	return EndpointUpdate
}

// servedBy returns the requests served by endpoint label.
func (f *fakeACP) servedBy() map[Endpoint]int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.served)
}

// checkHeaders returns what is wrong with r's ACP headers.
func checkHeaders(r *http.Request) string {
	switch {
	case r.Header.Get("Authorization") != "Bearer "+fakeToken:
		return "authorization"
	case !slices.Contains(SupportedAPIVersions, r.Header.Get("API-Version")):
		return "api-version"
	case r.Header.Get("Request-Id") == "":
		return "request-id"
	case r.Method == http.MethodPost && r.Header.Get("Idempotency-Key") == "":
		return "idempotency-key"
	case r.Method == http.MethodPost && r.Header.Get("Content-Type") != "application/json":
		return "content-type"
	}
	return ""
}

// handle runs a request the server has not seen; the lock is held.
func (f *fakeACP) handle(r *http.Request, body []byte) (int, []byte) {
	sessionJSON := func(id, status string) []byte {
		return fmt.Appendf(nil, `{"id":%q,"status":%q,"currency":"usd","line_items":[{"id":"li_mug"},{"id":"li_ebook"}],`+
			`"fulfillment_options":[{"id":"standard","type":"shipping"},{"id":"express","type":"shipping"},{"id":"email","type":"digital"}],`+
			`"selected_fulfillment_options":[{"type":"shipping","option_id":"standard","item_ids":["li_mug"]},{"type":"digital","option_id":"email","item_ids":["li_ebook"]}]}`, id, status)
	}
	if r.Method == http.MethodPost && r.URL.Path == "/checkout_sessions" {
		var in struct {
			LineItems []json.RawMessage `json:"line_items"`
			Currency  string            `json:"currency"`
		}
		if json.Unmarshal(body, &in) != nil || len(in.LineItems) == 0 || in.Currency == "" {
			return http.StatusBadRequest, []byte(`{"type":"invalid_request","code":"missing","message":"fake"}`)
		}
		if f.delay > 0 {
			f.mu.Unlock()
			time.Sleep(f.delay)
			f.mu.Lock()
		}
		f.seq++
		id := fmt.Sprintf("cs_%d", f.seq)
		f.sessions[id] = "not_ready_for_payment"
		return http.StatusCreated, sessionJSON(id, "not_ready_for_payment")
	}
	id, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/checkout_sessions/"), "/")
	status, ok := f.sessions[id]
	if !ok {
		return http.StatusNotFound, []byte(`{"type":"invalid_request","code":"not_found","message":"fake"}`)
	}
	switch {
	case r.Method == http.MethodGet && rest == "":
		return http.StatusOK, sessionJSON(id, status)
	case r.Method == http.MethodPost && rest == "":
		f.updates++
		if f.fail503Every > 0 && f.updates%f.fail503Every == 0 {
			f.injected503++
			return http.StatusServiceUnavailable, nil
		}
		if !bytes.Contains(body, []byte(`"address"`)) {
			return http.StatusBadRequest, []byte(`{"type":"invalid_request","code":"missing","message":"fake"}`)
		}
		f.sessions[id] = "ready_for_payment"
	case r.Method == http.MethodPost && rest == "complete":
		if status != "ready_for_payment" {
			return http.StatusBadRequest, []byte(`{"type":"invalid_request","code":"session_not_ready","message":"fake"}`)
		}
		f.sessions[id] = "completed"
	case r.Method == http.MethodPost && rest == "cancel":
		if status == "completed" || status == "canceled" {
			return http.StatusMethodNotAllowed, []byte(`{"type":"invalid_request","code":"session_canceled","message":"fake"}`)
		}
		f.sessions[id] = "canceled"
	default:
		return http.StatusNotFound, []byte(`{"type":"invalid_request","code":"not_found","message":"fake"}`)
	}
	return http.StatusOK, sessionJSON(id, f.sessions[id])
}
