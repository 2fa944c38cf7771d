package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// maxBody bounds how much of an answer is read; a longer one is the error
// "response_too_large".
const maxBody = 8 << 20

// Run plays cfg.Concurrency simulated agents against cfg.Target and
// returns what it measured. Each agent runs flows picked from cfg.Mix,
// one request at a time, until the measured requests reach cfg.Requests
// or the measured window reaches cfg.Duration, whichever comes first.
//
// When ctx ends (Ctrl-C), Run stops at once: the requests in flight are
// abandoned and not recorded, and the partial report says Interrupted.
// The error is non-nil only when cfg is invalid.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	r, err := newRunner(cfg)
	if err != nil {
		return nil, err
	}
	return r.run(ctx), nil
}

// runner is one run in progress.
type runner struct {
	cfg   Config
	ep    endpoint
	runID string
	// headers are the headers every request carries: Host, User-Agent,
	// Accept, API-Version and Authorization, CRLF-terminated.
	headers []byte
	// created is the check of most create-alone answers: a 201.
	created check
	// mixTotal is the sum of the mix's weights.
	mixTotal int

	createBody, completeBody []byte

	// start is when the run began, measureStart when the measured window
	// begins (after the warm-up), deadline when it ends.
	start, measureStart, deadline time.Time
	// interval is the time between two requests at a fixed rate; zero in
	// closed loop.
	interval time.Duration
	// next is the index of the next request due at a fixed rate.
	next atomic.Int64
	// measured counts the measured requests handed out; capHit is set
	// once one more was asked for than cfg.Requests.
	measured atomic.Int64
	capHit   atomic.Bool

	// stop is closed when the run ends for every agent: at the deadline,
	// or when the caller's context ends. stopReason and stopAt say why
	// and when, under mu.
	stop       chan struct{}
	mu         sync.Mutex
	stopReason string
	stopAt     time.Time
}

func newRunner(cfg Config) (*runner, error) {
	var id [6]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("run id: %w", err)
	}
	create, err := cfg.CreateBody()
	if err != nil {
		return nil, fmt.Errorf("create body: %w", err)
	}
	complete, err := json.Marshal(map[string]any{"payment_data": map[string]any{
		"handler_id": cfg.Handler,
		"instrument": map[string]any{"type": "card", "credential": map[string]any{"type": "spt", "token": cfg.PaymentToken}},
	}})
	if err != nil {
		return nil, fmt.Errorf("complete body: %w", err)
	}
	ep, err := parseEndpoint(cfg.Target)
	if err != nil {
		return nil, err
	}
	r := &runner{
		cfg: cfg, ep: ep, runID: hex.EncodeToString(id[:]),
		createBody: create, completeBody: complete, stop: make(chan struct{}), created: expectStatus(http.StatusCreated),
	}
	r.headers = fmt.Appendf(nil, "Host: %s\r\nUser-Agent: acp-load\r\nAccept: application/json\r\nAPI-Version: %s\r\n", ep.host, cfg.APIVersion)
	if cfg.Token != "" {
		r.headers = fmt.Appendf(r.headers, "Authorization: Bearer %s\r\n", cfg.Token)
	}
	for _, fw := range cfg.Mix {
		r.mixTotal += fw.Weight
	}
	if cfg.Rate > 0 {
		r.interval = max(time.Duration(float64(time.Second)/cfg.Rate), 1)
	}
	return r, nil
}

// CreateBody is the body of every create of a run of cfg: its
// CreateRequest when set, else its items, its currency and empty
// capabilities (the agent declares no intervention). Other load
// generators measured beside it send the same.
func (cfg Config) CreateBody() ([]byte, error) {
	if len(cfg.CreateRequest) > 0 {
		return cfg.CreateRequest, nil
	}
	type item struct {
		ID       string `json:"id"`
		Quantity int    `json:"quantity,omitempty"`
	}
	items := make([]item, len(cfg.Items))
	for i, it := range cfg.Items {
		items[i] = item(it)
		if it.Quantity == 1 {
			items[i].Quantity = 0 // the spec's Item has no quantity; 1 is the default
		}
	}
	return json.Marshal(map[string]any{"line_items": items, "currency": cfg.Currency, "capabilities": map[string]any{}})
}

// halt stops the run for reason, once.
func (r *runner) halt(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopReason == "" {
		r.stopReason, r.stopAt = reason, time.Now()
		close(r.stop)
	}
}

func (r *runner) run(ctx context.Context) *Report {
	r.start = time.Now()
	r.measureStart = r.start.Add(r.cfg.Warmup)
	r.deadline = r.measureStart.Add(r.cfg.Duration)
	timer := time.AfterFunc(r.cfg.Warmup+r.cfg.Duration, func() { r.halt(StopDuration) })
	stopWatching := context.AfterFunc(ctx, func() { r.halt(StopInterrupted) })

	agents := make([]*agent, r.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range agents {
		a := newAgent(r, i)
		agents[i] = a
		wg.Go(func() { a.loop(ctx) })
	}
	wg.Wait()
	end := time.Now()
	timer.Stop()
	stopWatching()

	r.mu.Lock()
	reason, stopAt := r.stopReason, r.stopAt
	r.mu.Unlock()
	switch {
	case ctx.Err() != nil:
		reason = StopInterrupted
	case reason == "" && r.capHit.Load():
		reason = StopRequests
	case reason == "":
		reason = StopDuration // at a fixed rate, every agent's next request fell after the deadline
	}
	if reason == StopInterrupted && !stopAt.IsZero() && stopAt.Before(end) {
		end = stopAt
	}
	return r.report(agents, reason, end)
}

// report merges the agents' records.
func (r *runner) report(agents []*agent, reason string, end time.Time) *Report {
	window := max(end.Sub(r.measureStart), 0)
	rep := &Report{
		Target: r.cfg.Target, APIVersion: r.cfg.APIVersion, Concurrency: r.cfg.Concurrency, Rate: r.cfg.Rate,
		Mix: r.cfg.Mix.String(), Items: FormatItems(r.cfg.Items),
		StartedAt: r.measureStart.UTC(), WarmupSeconds: r.cfg.Warmup.Seconds(), WindowSeconds: window.Seconds(),
		StopReason: reason, Interrupted: reason == StopInterrupted, PercentileMethod: PercentileMethod,
		Endpoints: map[Endpoint]*EndpointStats{}, Flows: map[Flow]*FlowStats{},
	}
	// Every sample goes once into one array, each endpoint's contiguous,
	// so that the exact percentiles need no more than one copy.
	n := 0
	for _, a := range agents {
		for _, t := range a.tallies {
			n += len(t.samples)
		}
	}
	all := make([]time.Duration, 0, n)
	var total tally
	for _, ep := range Endpoints {
		var t tally
		from := len(all)
		for _, a := range agents {
			if at := a.tallies[ep]; at != nil {
				all = append(all, at.samples...)
				at.samples = nil
				t.merge(at)
			}
		}
		if t.ok+t.errors+t.transport == 0 {
			continue
		}
		t.samples = all[from:len(all):len(all)]
		s := t.stats(window)
		total.merge(&t)
		rep.Endpoints[ep] = &s
	}
	total.samples = all
	rep.Total = total.stats(window)
	for _, f := range Flows {
		var fs FlowStats
		for _, a := range agents {
			if s := a.flows[f]; s != nil {
				fs.Started += s.Started
				fs.Completed += s.Completed
				fs.Failed += s.Failed
				fs.Interrupted += s.Interrupted
			}
		}
		if fs.Started > 0 {
			rep.Flows[f] = &fs
		}
	}
	if r.interval > 0 {
		rep.Schedule = r.schedule(agents, reason, end, window, rep.Total.Count)
	}
	return rep
}

// schedule reports how well the fixed rate was kept in the window.
func (r *runner) schedule(agents []*agent, reason string, end time.Time, window time.Duration, recorded int64) *Schedule {
	s := &Schedule{TargetRate: r.cfg.Rate}
	var maxLag time.Duration
	for _, a := range agents {
		s.Sent += a.sent
		s.Late += a.late
		maxLag = max(maxLag, a.maxLag)
	}
	s.MaxLagMs = ms(maxLag)
	if window > 0 {
		s.AchievedRate = float64(recorded) / window.Seconds()
	}
	// The requests due in [measureStart, end): index i is due at
	// start + i*interval.
	if end.After(r.deadline) {
		end = r.deadline
	}
	dueIndex := func(t time.Time) int64 { // the first index due at or after t
		d := t.Sub(r.start)
		return (int64(d) + int64(r.interval) - 1) / int64(r.interval)
	}
	s.Due = max(dueIndex(end)-dueIndex(r.measureStart), 0)
	if reason == StopRequests {
		s.Due = min(s.Due, r.cfg.Requests)
	}
	s.Due = max(s.Due, s.Sent)
	s.Missed = s.Due - s.Sent
	s.KeptUp = s.Missed == 0 && s.Late*100 <= s.Sent
	return s
}

// ticket is the permission to send one request.
type ticket struct {
	// due is when the request is due: its place in the schedule at a
	// fixed rate, the moment it was handed out in closed loop. Latency
	// runs from it.
	due time.Time
	// measured is false during the warm-up.
	measured bool
}

// acquire waits for the agent's next request to be due. It returns false
// when the agent must stop: the run is over, the request cap is reached,
// or (at a fixed rate) the next request would be due after the deadline.
func (r *runner) acquire(ctx context.Context) (ticket, bool) {
	select {
	case <-r.stop:
		return ticket{}, false
	case <-ctx.Done():
		return ticket{}, false
	default:
	}
	var due time.Time
	if r.interval > 0 {
		i := r.next.Add(1) - 1
		due = r.start.Add(time.Duration(i) * r.interval)
	} else {
		due = time.Now()
	}
	if !due.Before(r.deadline) {
		return ticket{}, false
	}
	t := ticket{due: due, measured: !due.Before(r.measureStart)}
	// Past the cap the agent stops on its own; the others finish the
	// requests they hold, so that exactly cfg.Requests are recorded.
	if t.measured && r.measured.Add(1) > r.cfg.Requests {
		r.capHit.Store(true)
		return ticket{}, false
	}
	if wait := time.Until(due); wait > 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.stop:
			return ticket{}, false
		case <-ctx.Done():
			return ticket{}, false
		}
	}
	return t, true
}

// agent is one simulated agent: its connection, its records, and the
// session it reads.
type agent struct {
	r    *runner
	rng  *mathrand.Rand
	conn conn
	// seq numbers the agent's request ids and idempotency keys; keyPrefix
	// and idPrefix ("load-RUN-AGENT-", "req-RUN-AGENT-") precede them.
	seq                 int64
	keyPrefix, idPrefix string
	// req is the buffer every request is written into.
	req     []byte
	tallies map[Endpoint]*tally
	flows   map[Flow]*FlowStats
	// readID is the session the read flow reads, created by the first.
	readID string
	// creates counts the answers to create-alone flows, for sampling.
	creates int
	// sent, late and maxLag describe the measured requests' departures
	// at a fixed rate.
	sent, late int64
	maxLag     time.Duration
}

// sampleEvery is how often the answer to a create-alone flow is read
// beyond its status: its first and every sampleEvery-th must be a
// session with an id. Creates in other flows are always read, as the
// flow needs the session's id.
const sampleEvery = 16

func newAgent(r *runner, id int) *agent {
	var seed [16]byte
	_, _ = rand.Read(seed[:]) // never fails (crypto/rand)
	agentID := strconv.Itoa(id)
	return &agent{
		r: r, tallies: map[Endpoint]*tally{}, flows: map[Flow]*FlowStats{},
		rng:       mathrand.New(mathrand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:]))),
		conn:      conn{ep: &r.ep, timeout: r.cfg.Timeout},
		keyPrefix: "load-" + r.runID + "-" + agentID + "-",
		idPrefix:  "req-" + r.runID + "-" + agentID + "-",
	}
}

// outcome is how a step or a flow ended.
type outcome int

const (
	done outcome = iota
	failed
	interrupted
)

// loop runs flows until the run is over for this agent. When ctx ends,
// the agent's connection is closed under the request in flight.
func (a *agent) loop(ctx context.Context) {
	stopInterrupting := context.AfterFunc(ctx, a.conn.interrupt)
	defer func() {
		stopInterrupting()
		a.conn.close()
	}()
	for {
		f := a.pick()
		fr := &flowRun{}
		out := a.flow(ctx, f, fr)
		if fr.measured {
			s := a.flows[f]
			if s == nil {
				s = &FlowStats{}
				a.flows[f] = s
			}
			s.Started++
			switch out {
			case done:
				s.Completed++
			case failed:
				s.Failed++
			case interrupted:
				s.Interrupted++
			}
		}
		if out == interrupted {
			return
		}
	}
}

// pick chooses the next flow by the mix's weights.
func (a *agent) pick() Flow {
	if len(a.r.cfg.Mix) == 1 {
		return a.r.cfg.Mix[0].Flow
	}
	n := a.rng.IntN(a.r.mixTotal)
	for _, fw := range a.r.cfg.Mix {
		if n < fw.Weight {
			return fw.Flow
		}
		n -= fw.Weight
	}
	return a.r.cfg.Mix[len(a.r.cfg.Mix)-1].Flow
}

// flowRun is one run of a flow: it counts when its first request was
// measured.
type flowRun struct {
	started, measured bool
}

// session is what the flows read of a checkout session. Only ID is read
// of most answers (see sessionFields); the rest when an update selects
// an option (Config.OptionID).
type session struct {
	ID                 string `json:"id"`
	Status             string `json:"status"`
	FulfillmentOptions []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"fulfillment_options"`
	SelectedFulfillmentOptions []struct {
		Type    string   `json:"type"`
		ItemIDs []string `json:"item_ids"`
	} `json:"selected_fulfillment_options"`
	LineItems []struct {
		ID string `json:"id"`
	} `json:"line_items"`
}

// flow runs one flow.
func (a *agent) flow(ctx context.Context, f Flow, fr *flowRun) outcome {
	base := a.r.ep.base
	switch f {
	case FlowCreate:
		a.creates++
		judge := a.r.created
		if a.creates%sampleEvery == 1 {
			judge = a.expectSession(http.StatusCreated, nil)
		}
		_, out := a.call(ctx, fr, EndpointCreate, http.MethodPost, base, a.r.createBody, a.key(), judge)
		return out
	case FlowFull:
		s, out := a.create(ctx, fr)
		if out != done {
			return out
		}
		update, err := a.updateBody(s)
		if err != nil {
			panic(err) // marshaling maps of strings cannot fail
		}
		if _, out = a.call(ctx, fr, EndpointUpdate, http.MethodPost, sessionPath(base, s.ID, ""), update, a.key(), expectStatus(http.StatusOK)); out != done {
			return out
		}
		_, out = a.call(ctx, fr, EndpointComplete, http.MethodPost, sessionPath(base, s.ID, "/complete"), a.r.completeBody, a.key(), expectState(http.StatusOK, "completed"))
		return out
	case FlowCancel:
		s, out := a.create(ctx, fr)
		if out != done {
			return out
		}
		_, out = a.call(ctx, fr, EndpointCancel, http.MethodPost, sessionPath(base, s.ID, "/cancel"), []byte(`{}`), a.key(), expectState(http.StatusOK, "canceled"))
		return out
	case FlowRetry:
		key := a.key()
		var first response
		_, out := a.call(ctx, fr, EndpointCreate, http.MethodPost, base, a.r.createBody, key, func(got response) string {
			first = response{status: got.status, body: bytes.Clone(got.body)}
			return a.expectSession(http.StatusCreated, nil)(got)
		})
		if out != done {
			return out
		}
		_, out = a.call(ctx, fr, EndpointCreateReplay, http.MethodPost, base, a.r.createBody, key, func(got response) string {
			switch {
			case got.status == first.status && bytes.Equal(got.body, first.body):
				return ""
			case got.status == http.StatusTooManyRequests || got.status >= 500:
				// Refused before the replay (a rate limit), or a 5xx,
				// which is never stored: not a replay of anything.
				return errorCode(got)
			}
			return "replay_mismatch"
		})
		return out
	case FlowRead:
		if a.readID == "" {
			s, out := a.create(ctx, fr)
			if out != done {
				return out
			}
			a.readID = s.ID
		}
		got, out := a.call(ctx, fr, EndpointGet, http.MethodGet, sessionPath(base, a.readID, ""), nil, 0, expectStatus(http.StatusOK))
		if got.status == http.StatusNotFound {
			a.readID = "" // gone (another server, a restart on memory): create another next time
		}
		return out
	}
	panic(fmt.Sprintf("loadgen: unknown flow %q", f))
}

// create sends a create with a fresh key and returns the session: its id,
// and the rest only when an update will select an option.
func (a *agent) create(ctx context.Context, fr *flowRun) (*session, outcome) {
	s := new(session)
	_, out := a.call(ctx, fr, EndpointCreate, http.MethodPost, a.r.ep.base, a.r.createBody, a.key(), a.expectSession(http.StatusCreated, s))
	return s, out
}

// updateBody is the update of s: fulfillment details with the address,
// and the configured option for the lines of its type.
func (a *agent) updateBody(s *session) ([]byte, error) {
	body := map[string]any{"fulfillment_details": map[string]any{
		"name": "Load Agent", "email": "load-agent@example.com", "address": a.r.cfg.Address,
	}}
	if opt := a.r.cfg.OptionID; opt != "" {
		typ := "shipping"
		for _, o := range s.FulfillmentOptions {
			if o.ID == opt && o.Type != "" {
				typ = o.Type
			}
		}
		// The lines the server gave an option of this type; else all.
		var ids []string
		for _, sel := range s.SelectedFulfillmentOptions {
			if sel.Type == typ {
				ids = append(ids, sel.ItemIDs...)
			}
		}
		if len(ids) == 0 {
			for _, li := range s.LineItems {
				ids = append(ids, li.ID)
			}
		}
		body["selected_fulfillment_options"] = []any{map[string]any{"type": typ, "option_id": opt, "item_ids": ids}}
	}
	return json.Marshal(body)
}

// sessionPath is the path of session id (path-escaped, so that no answer
// can steer a request elsewhere) with suffix.
func sessionPath(base, id, suffix string) string {
	return base + "/" + url.PathEscape(id) + suffix
}

// key returns a fresh Idempotency-Key's number (see agent.keyPrefix).
func (a *agent) key() int64 {
	a.seq++
	return a.seq
}

// check judges an answer: "" when it is the expected one, else the error
// code to count.
type check func(response) string

// expectStatus wants status code and looks no further.
func expectStatus(code int) check {
	return func(got response) string {
		if got.status != code {
			return errorCode(got)
		}
		return ""
	}
}

// expectState wants status code and a session in state.
func expectState(code int, state string) check {
	return func(got response) string {
		if got.status != code {
			return errorCode(got)
		}
		if _, status, ok := sessionFields(got.body); !ok || status != state {
			return "not_" + state
		}
		return ""
	}
}

// expectSession wants status code and a session with an id, which it
// stores in into when into is not nil (whole, when an update will select
// an option, else its id and status).
func (a *agent) expectSession(code int, into *session) check {
	return func(got response) string {
		if got.status != code {
			return errorCode(got)
		}
		id, status, ok := sessionFields(got.body)
		if !ok || id == "" {
			return "no_session_id"
		}
		if into != nil {
			if a.r.cfg.OptionID != "" {
				if json.Unmarshal(got.body, into) != nil {
					return "no_session_id"
				}
			}
			into.ID, into.Status = id, status
		}
		return ""
	}
}

// errorCode names an unexpected answer: the code of an ACP error body,
// "no_code" for an error without one, "unexpected_status" for another
// success or a redirect.
func errorCode(got response) string {
	if got.status < 400 {
		return "unexpected_status"
	}
	var e struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(got.body, &e) == nil && e.Code != "" {
		return e.Code
	}
	return "no_code"
}

// call waits for a ticket, sends one request and records it. It returns
// the answer (zero on a transport error; its body valid until the next
// call) and whether the flow goes on.
func (a *agent) call(ctx context.Context, fr *flowRun, ep Endpoint, method, path string, body []byte, key int64, judge check) (response, outcome) {
	t, ok := a.r.acquire(ctx)
	if !ok {
		return response{}, interrupted
	}
	if !fr.started {
		fr.started, fr.measured = true, t.measured
	}
	got, sent, err := a.conn.roundTrip(ctx, a.request(method, path, body, key))
	end := time.Now()
	if ctx.Err() != nil {
		return response{}, interrupted // cut short by the caller: not recorded
	}
	if t.measured && a.r.interval > 0 {
		lag := sent.Sub(t.due)
		a.sent++
		if lag > LateThreshold {
			a.late++
		}
		a.maxLag = max(a.maxLag, lag)
	}
	tl := a.tallies[ep]
	if tl == nil {
		tl = &tally{}
		a.tallies[ep] = tl
	}
	if err != nil {
		if t.measured {
			tl.addTransport(transportKind(err))
		}
		return got, failed
	}
	code := ""
	if got.tooLarge {
		code = "response_too_large"
	} else {
		code = judge(got)
	}
	if !t.measured {
		if code != "" {
			return got, failed
		}
		return got, done
	}
	tl.samples = append(tl.samples, end.Sub(t.due))
	if code != "" {
		tl.addError(got.status, code)
		return got, failed
	}
	tl.ok++
	return got, done
}

// request writes one request into the agent's buffer: the request line,
// the run's headers, a fresh Request-Id, the Idempotency-Key numbered key
// (none when 0), and body with its type and length (none when nil).
func (a *agent) request(method, path string, body []byte, key int64) []byte {
	b := append(a.req[:0], method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\n"...)
	b = append(b, a.r.headers...)
	a.seq++
	b = append(b, "Request-Id: "...)
	b = append(b, a.idPrefix...)
	b = strconv.AppendInt(b, a.seq, 10)
	if key != 0 {
		b = append(b, "\r\nIdempotency-Key: "...)
		b = append(b, a.keyPrefix...)
		b = strconv.AppendInt(b, key, 10)
	}
	if body != nil {
		b = append(b, "\r\nContent-Type: application/json\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
	}
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	a.req = b
	return b
}

// transportKind classifies a request that got no answer.
func transportKind(err error) string {
	var dnsErr *net.DNSError
	var netErr net.Error
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	var opErr *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection_refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection_reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection_closed"
	case errors.As(err, &dnsErr):
		return "dns"
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &recordErr):
		return "tls"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return "dial"
	}
	return "other"
}
