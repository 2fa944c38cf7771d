package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/merchantapi"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment/stripe"
	"github.com/acp-sidecar/acp/core/payment/stripe/stripefake"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// The crash test's fixed values. The agent and merchant tokens are the
// demo config's local-only ones; the secrets reach the server only through
// its environment.
const (
	crashAgentToken    = "demo-agent-local-token"
	crashMerchantToken = "demo-merchant-local-token"
	crashAPIVersion    = "2026-04-17"
	crashHandlerID     = "stripe_card"
	crashStripeKeyEnv  = "ACP_CRASH_STRIPE_SECRET_KEY"
	crashStripeHookEnv = "ACP_CRASH_STRIPE_WEBHOOK_SECRET"
	crashStripeHook    = "whsec_crash_test_0123456789abcdef"
	crashWebhookEnv    = "ACP_CRASH_WEBHOOK_SECRET"
	crashWebhookSecret = "crash-test-order-webhook-secret-0123456789"
	crashWorkers       = 6
)

// TestCrashSafety runs the real binary on a Stripe handler (the fake
// Stripe API) with an order webhook target, drives checkouts at it from
// several agents at once, and kills it with SIGKILL at a random moment of
// every round, restarting it on the same store. Agents retry what got no
// answer with the same Idempotency-Key. Afterwards every session an agent
// was told about must be whole and retrievable, every completed session
// must have one order and one charge, no session may be charged twice or
// charged without being completed, every idempotent answer must replay
// byte for byte, and every order's order_create event must reach the
// receiver.
//
// ACP_CRASH_ROUNDS=N runs N rounds (default 4); ACP_CRASH_SEED=S replays
// the random choices of a run (kill moments, carts, which agents retry at
// once), though not the scheduling.
func TestCrashSafety(t *testing.T) {
	t.Parallel()
	rounds := 4
	if v := os.Getenv("ACP_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("ACP_CRASH_ROUNDS=%q: want a positive whole number", v)
		}
		rounds = n
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("ACP_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("ACP_CRASH_SEED=%q: want a whole number", v)
		}
		seed = n
	}
	t.Logf("seed %d (ACP_CRASH_SEED=%d reproduces the random choices), %d rounds", seed, seed, rounds)
	rng := rand.New(rand.NewPCG(seed, 0))

	bin := buildACP(t)
	began := time.Now()
	dir := t.TempDir()
	fake := stripefake.Start(t, stripefake.Options{})
	hooks := newCrashReceiver(t)
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "acp.yaml")
	if err := os.WriteFile(cfg, []byte(crashConfig(t, addr, filepath.Join(dir, "data"), fake.URL, hooks.url())), 0o600); err != nil {
		t.Fatal(err)
	}
	// Only what the server needs: no inherited environment.
	env := []string{
		crashStripeKeyEnv + "=" + stripefake.SecretKey,
		crashStripeHookEnv + "=" + crashStripeHook,
		crashWebhookEnv + "=" + crashWebhookSecret,
	}
	srv := &crashServer{bin: bin, dir: dir, cfg: cfg, env: env, addr: addr}
	t.Cleanup(srv.kill) // before the fake and the receiver close (LIFO)
	if err := srv.start(t); err != nil {
		t.Fatal(err)
	}

	transport := &http.Transport{MaxIdleConnsPerHost: crashWorkers * 2}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 20 * time.Second}
	ledger := &crashLedger{}
	agent := &crashAgent{srv: srv, client: client, ledger: ledger, schema: acpschema.For(t, crashAPIVersion)}

	// 3. The load: crashWorkers agents, each running checkouts one after
	// the other until stop is closed.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	stopLoad := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopLoad() // also when a restart fails the test
	for w := range crashWorkers {
		wrng := rand.New(rand.NewPCG(seed, uint64(w)+1))
		wg.Go(func() { agent.run(wrng, stop) })
	}

	var kills []time.Time
	// 4. The crashes: a random moment into each round, SIGKILL and restart
	// on the same store (and the same port when it is still free).
	for r := range rounds {
		pause := 150*time.Millisecond + time.Duration(rng.Int64N(int64(450*time.Millisecond)))
		time.Sleep(pause) // when to crash, not an assertion
		before := ledger.counts()
		kills = append(kills, time.Now())
		srv.kill()
		if err := srv.start(t); err != nil {
			t.Fatalf("round %d: restart: %v", r+1, err)
		}
		after := ledger.counts()
		t.Logf("round %d: killed %v in; %d requests so far; %d cut off by the kill, %d refused during the restart",
			r+1, pause.Round(time.Millisecond), before.sent, after.cut-before.cut,
			after.transportErrors-before.transportErrors-(after.cut-before.cut))
	}
	time.Sleep(150 * time.Millisecond) // load on the last incarnation too
	stopLoad()
	loadTook := time.Since(began)

	out := checkCrashRun(t, agent, fake, hooks, kills, 20*time.Second)
	orders := out.orders

	// One more kill: the store, opened directly by `acp orders list`,
	// holds the same orders.
	srv.kill()
	var direct []string
	listCrashOrders(t, func(after string) ([]*model.Order, bool, error) {
		args := []string{"orders", "list", "--json", "--limit", "100", "--config", cfg}
		if after != "" {
			args = append(args, "--after", after)
		}
		r := runBinary(t, bin, dir, env, args...)
		if r.code != 0 {
			return nil, false, fmt.Errorf("acp %v: %s", args, r)
		}
		var page struct {
			Data    []*model.Order `json:"data"`
			HasMore bool           `json:"has_more"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &page); err != nil {
			return nil, false, fmt.Errorf("acp %v: %v\n%s", args, err, r.stdout)
		}
		for _, o := range page.Data {
			direct = append(direct, o.ID)
		}
		return page.Data, page.HasMore, nil
	})
	var served []string
	for _, o := range orders {
		served = append(served, o.ID)
	}
	slices.Sort(direct)
	slices.Sort(served)
	if !slices.Equal(direct, served) {
		t.Errorf("after a last kill, the store holds %d orders, the server listed %d", len(direct), len(served))
	}

	t.Logf("load and crashes %v, retries and checks %v", loadTook.Round(time.Millisecond), (time.Since(began) - loadTook).Round(time.Millisecond))
	t.Logf("%d rounds, %d server starts (%d port changes): %s", rounds, srv.starts, srv.portChanges, out.summary(agent, fake, hooks))
	if t.Failed() {
		t.Logf("the end of each server's log:\n%s", srv.logTail())
	}
}

// crashConfig is the demo config with a Stripe handler on the fake, an
// order webhook target, no rate limit, short webhook back-offs and quick
// reconciliation of unknown payment outcomes.
func crashConfig(t *testing.T, addr, storeDir, stripeURL, hookURL string) string {
	t.Helper()
	// The value-log garbage collection runs every second, so that kills
	// also land during its rewrites.
	// Mugs stay stock-controlled (reservations are made and settled
	// across the kills), with enough of them for every round's orders.
	text := demoConfig(t, addr, storeDir+"\n  gc_interval: 1s", "stock: 100\n", "stock: 100000000\n",
		"    local_only_token: demo-agent-local-token\n", "    local_only_token: demo-agent-local-token\n"+
			"    webhooks:\n      - name: orders\n        url: "+hookURL+"\n        secret_env: "+crashWebhookEnv+"\n")
	if strings.Contains("\n"+text, "\nlimits:") {
		t.Fatal("the demo config now has limits:; crashConfig adds its own")
	}
	payments := `payments:
  reconcile_after: 1s
  handlers:
    - id: ` + crashHandlerID + `
      kind: stripe
      display_name: Card
      merchant_id: acct_crash_test
      accepted_brands: [visa, mastercard, amex]
      stripe:
        secret_key_env: ` + crashStripeKeyEnv + `
        webhook_secret_env: ` + crashStripeHookEnv + `
        api_base_url: ` + stripeURL + `
        check_token: true
        three_ds: {acquirer_bin: "400000", acquirer_country: US, acquirer_merchant_id: "shop-1", directory_server: visa}
`
	text = replaceSection(t, text, "payments", payments)
	text = replaceSection(t, text, "webhook_delivery", `webhook_delivery:
  allow_private_networks: true
  timeout: 2s
  initial_backoff: 20ms
  max_backoff: 200ms
`)
	text += `
limits:
  rate_limit:
    requests_per_second: 0
`
	return text
}

// replaceSection replaces the top-level section key of a config (from
// its line up to the next top-level key) with section.
func replaceSection(t *testing.T, text, key, section string) string {
	t.Helper()
	start := strings.Index(text, "\n"+key+":\n")
	if start < 0 {
		t.Fatalf("the config has no %s section", key)
	}
	start++
	end := len(text)
	for i := start + len(key+":\n"); i < len(text); {
		nl := strings.IndexByte(text[i:], '\n')
		line := text[i:]
		if nl >= 0 {
			line = text[i : i+nl]
		}
		if line != "" && line[0] != ' ' && line[0] != '#' {
			end = i
			break
		}
		if nl < 0 {
			break
		}
		i += nl + 1
	}
	return text[:start] + section + text[end:]
}

// crashServer is the acp serve subprocess, started again after each kill.
type crashServer struct {
	bin, dir, cfg string
	env           []string

	mu          sync.Mutex
	addr        string
	cmd         *exec.Cmd
	exited      chan struct{}
	starts      int
	portChanges int
	logs        []string
}

var errCrashAddrInUse = errors.New("address already in use")

func (s *crashServer) base() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return "http://" + s.addr
}

// start runs the server and waits until /healthz answers. When another
// process took the port meanwhile, it moves to a fresh one.
func (s *crashServer) start(t *testing.T) error {
	for try := 0; ; try++ {
		err := s.startOnce()
		if !errors.Is(err, errCrashAddrInUse) || try == 3 {
			return err
		}
		s.mu.Lock()
		s.addr = freeAddr(t)
		s.portChanges++
		s.mu.Unlock()
	}
}

func (s *crashServer) startOnce() error {
	s.mu.Lock()
	s.starts++
	addr, n := s.addr, s.starts
	s.mu.Unlock()
	logPath := filepath.Join(s.dir, fmt.Sprintf("server-%d.log", n))
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, "serve", "--config", s.cfg, "--listen", addr)
	cmd.Dir = s.dir
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(exited)
	}()
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.logs = append(s.logs, logPath)
	s.mu.Unlock()

	probe := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-exited:
			logs, _ := os.ReadFile(logPath)
			if bytes.Contains(logs, []byte("address already in use")) {
				return errCrashAddrInUse
			}
			return fmt.Errorf("acp serve exited before it was healthy (%v):\n%s", cmd.ProcessState, logs)
		default:
		}
		resp, err := probe.Get("http://" + addr + "/healthz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			// Another process may hold the port this one failed to
			// bind (freeAddr's port taken again in between): healthy
			// only once this process says it serves.
			if logs, _ := os.ReadFile(logPath); resp.StatusCode == http.StatusOK && bytes.Contains(logs, []byte(`"msg":"serving ACP"`)) {
				return nil
			}
		}
		if time.Now().After(deadline) {
			s.kill()
			logs, _ := os.ReadFile(logPath)
			return fmt.Errorf("acp serve did not become healthy in 15 s:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond) // polling
	}
}

// kill sends SIGKILL to the running server and waits for it to exit.
func (s *crashServer) kill() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

// logTail returns the end of each incarnation's log.
func (s *crashServer) logTail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, p := range s.logs {
		data, _ := os.ReadFile(p)
		if len(data) > 2000 {
			data = data[len(data)-2000:]
		}
		fmt.Fprintf(&b, "--- %s\n%s\n", filepath.Base(p), data)
	}
	return b.String()
}

// crashOp is one logical request of a checkout, sent until it gets a
// final answer, always with the same Idempotency-Key and body.
type crashOp struct {
	name, key, path, req string

	tries  int
	final  bool   // answered for good (not a 5xx, 409 or 429)
	status int    // the last answer's status; 0 when there was none
	body   []byte // the last answer's body
	err    string
}

// expected reports whether the final answer is the success it should be.
func (op *crashOp) expected() bool {
	switch op.name {
	case "create":
		return op.status == http.StatusCreated
	case "update":
		return op.status == http.StatusOK && crashJSONField(op.body, "status") == "ready_for_payment"
	default:
		return op.status == http.StatusOK && crashJSONField(op.body, "status") == "completed"
	}
}

func (op *crashOp) want() string {
	switch op.name {
	case "create":
		return "201"
	case "update":
		return "200 ready_for_payment"
	default:
		return "200 completed"
	}
}

// isFinal says whether an answer settles an operation: 5xx (not stored,
// so a retry runs afresh), 409 (in flight, in progress), 429 and a
// complete still in progress are retried.
func (op *crashOp) isFinal(status int, body []byte) bool {
	switch {
	case status >= 500, status == http.StatusConflict, status == http.StatusTooManyRequests:
		return false
	case op.name == "complete" && status == http.StatusOK && crashJSONField(body, "status") == "complete_in_progress":
		return false
	}
	return true
}

// crashFlow is one agent's checkout: create, update, complete.
type crashFlow struct {
	id        int
	qty       int
	postal    string
	option    string
	sessionID string
	ops       []*crashOp
}

func (f *crashFlow) op(name string) *crashOp {
	for _, op := range f.ops {
		if op.name == name {
			return op
		}
	}
	return nil
}

// crashLedger records every checkout and every request.
type crashLedger struct {
	mu       sync.Mutex
	flows    []*crashFlow
	sent     int
	noAnswer int
	cut      int
	replayed int
}

type crashCounts struct{ sent, transportErrors, cut, replayed int }

func (l *crashLedger) newFlow(rng *rand.Rand) *crashFlow {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := &crashFlow{
		id:     len(l.flows) + 1,
		qty:    1 + rng.IntN(3),
		postal: fmt.Sprintf("94%03d", rng.IntN(1000)),
		option: []string{"standard", "express"}[rng.IntN(2)],
	}
	l.flows = append(l.flows, f)
	return f
}

func (l *crashLedger) allFlows() []*crashFlow {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.flows)
}

// record counts one request: err is its transport error, wrote whether
// it was written to a connection (the transport may have retried it on a
// new one after the kill, to be refused there).
func (l *crashLedger) record(err error, wrote, replayed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent++
	if err != nil {
		l.noAnswer++
		if wrote {
			l.cut++ // reached the server, which died before answering
		}
	}
	if replayed {
		l.replayed++
	}
}

func (l *crashLedger) counts() crashCounts {
	l.mu.Lock()
	defer l.mu.Unlock()
	return crashCounts{l.sent, l.noAnswer, l.cut, l.replayed}
}

// crashAgent sends the checkout requests: to srv, or, when replicas is
// set, to each replica in turn, as a load balancer would (a retry goes to
// the next one). When schema is set, every final answer is validated
// against it (checkSchemas reports the failures).
type crashAgent struct {
	srv      *crashServer
	replicas []*crashServer
	client   *http.Client
	ledger   *crashLedger
	schema   *acpschema.Validator

	next    atomic.Uint64
	mu      sync.Mutex
	invalid []string
}

// base is the base URL of the server the next request goes to.
func (a *crashAgent) base() string {
	if len(a.replicas) == 0 {
		return a.srv.base()
	}
	return a.replicas[a.next.Add(1)%uint64(len(a.replicas))].base()
}

// validate checks a final answer of op against the schema: a created or
// updated session, a completed session with its order, or an error.
func (a *crashAgent) validate(op *crashOp) {
	if a.schema == nil {
		return
	}
	def := "Error"
	switch {
	case op.status/100 != 2:
	case op.name == "complete" && crashJSONField(op.body, "status") == "completed":
		def = "CheckoutSessionWithOrder"
	default:
		def = "CheckoutSession"
	}
	if err := a.schema.Check(def, op.body); err != nil {
		a.mu.Lock()
		a.invalid = append(a.invalid, fmt.Sprintf("%s %s answered %d, not a valid %s: %v\n%s", op.name, op.path, op.status, def, err, op.body))
		a.mu.Unlock()
	}
}

// checkSchemas reports the answers that were not schema-valid.
func (a *crashAgent) checkSchemas(t *testing.T) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, p := range a.invalid {
		if i == 5 {
			t.Errorf("... and %d more answers that were not schema-valid", len(a.invalid)-5)
			break
		}
		t.Error(p)
	}
}

// run starts checkouts one after the other until stop is closed. Two in
// three checkouts retry a request that got no answer at once (waiting out
// the restart); the others leave it for the end of the test. One in eight
// stops before completing.
func (a *crashAgent) run(rng *rand.Rand, stop <-chan struct{}) {
	for !crashStopped(stop) {
		f := a.ledger.newFlow(rng)
		retry := rng.IntN(3) != 0
		create := &crashOp{name: "create", key: fmt.Sprintf("crash-%d-create", f.id), path: "/checkout_sessions",
			req: fmt.Sprintf(`{"line_items":[{"id":"mug-classic","quantity":%d},{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{"interventions":{"supported":["3ds"]}}}`, f.qty)}
		f.ops = append(f.ops, create)
		if !a.do(f, create, retry, stop) || f.sessionID == "" {
			continue
		}
		update := &crashOp{name: "update", key: fmt.Sprintf("crash-%d-update", f.id), path: "/checkout_sessions/" + f.sessionID,
			req: fmt.Sprintf(`{"fulfillment_details":{"name":"Ada Lovelace","email":"ada@example.com","address":{"name":"Ada Lovelace","line_one":"1 Market St","city":"San Francisco","state":"CA","country":"US","postal_code":%q}},"selected_fulfillment_options":[{"type":"shipping","option_id":%q,"item_ids":["li_mug-classic"]}]}`, f.postal, f.option)}
		f.ops = append(f.ops, update)
		if !a.do(f, update, retry, stop) || rng.IntN(8) == 0 {
			continue
		}
		complete := &crashOp{name: "complete", key: fmt.Sprintf("crash-%d-complete", f.id), path: "/checkout_sessions/" + f.sessionID + "/complete",
			req: fmt.Sprintf(`{"payment_data":{"handler_id":%q,"instrument":{"type":"card","credential":{"type":"spt","token":"spt_ok_crash_%d"}}}}`, crashHandlerID, f.id)}
		f.ops = append(f.ops, complete)
		a.do(f, complete, retry, stop)
	}
}

// do sends op until it is answered for good (or, when retry is off, once),
// and reports whether that answer was a success.
func (a *crashAgent) do(f *crashFlow, op *crashOp, retry bool, stop <-chan struct{}) bool {
	for {
		a.send(f, op)
		if op.final {
			return op.status/100 == 2
		}
		if !retry || crashStopped(stop) {
			return false
		}
		select {
		case <-stop:
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// send sends op once and records the outcome in op and the ledger.
func (a *crashAgent) send(f *crashFlow, op *crashOp) {
	op.tries++
	var wrote atomic.Bool
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	})
	status, header, body, err := a.postContext(ctx, op.path, op.key, op.req)
	a.ledger.record(err, wrote.Load(), header.Get("Idempotent-Replayed") == "true")
	if err != nil {
		op.err = err.Error()
		return
	}
	op.status, op.body, op.err = status, body, ""
	if !op.isFinal(status, body) {
		return
	}
	op.final = true
	a.validate(op)
	if op.name == "create" && status == http.StatusCreated {
		f.sessionID = crashJSONField(body, "id")
	}
}

func (a *crashAgent) postContext(ctx context.Context, path, key, body string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base()+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+crashAgentToken)
	req.Header.Set("API-Version", crashAPIVersion)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	return a.roundTrip(req)
}

func (a *crashAgent) get(path string) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, a.base()+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+crashAgentToken)
	req.Header.Set("API-Version", crashAPIVersion)
	status, _, body, err := a.roundTrip(req)
	return status, body, err
}

func (a *crashAgent) roundTrip(req *http.Request) (int, http.Header, []byte, error) {
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, err // cut off mid-answer: no answer
	}
	return resp.StatusCode, resp.Header, body, nil
}

// replayAll sends every finally answered request once more and checks
// that the stored answer comes back byte for byte. It returns how many
// were replayed.
func (a *crashAgent) replayAll(t *testing.T, flows []*crashFlow) int {
	t.Helper()
	var ops []*crashOp
	for _, f := range flows {
		for _, op := range f.ops {
			if op.final {
				ops = append(ops, op)
			}
		}
	}
	var mu sync.Mutex
	var problems []string
	var wg sync.WaitGroup
	next := make(chan *crashOp)
	for range crashWorkers {
		wg.Go(func() {
			for op := range next {
				status, header, body, err := a.postContext(context.Background(), op.path, op.key, op.req)
				if err == nil && status == op.status && bytes.Equal(body, op.body) && header.Get("Idempotent-Replayed") == "true" {
					continue
				}
				mu.Lock()
				problems = append(problems, fmt.Sprintf("%s %s (key %s): first %d %s\nagain %d (replayed %q) %s %v",
					op.name, op.path, op.key, op.status, op.body, status, header.Get("Idempotent-Replayed"), body, err))
				mu.Unlock()
			}
		})
	}
	for _, op := range ops {
		next <- op
	}
	close(next)
	wg.Wait()
	for i, p := range problems {
		if i == 10 {
			t.Errorf("... and %d more answers that did not replay", len(problems)-10)
			break
		}
		t.Errorf("an answer did not replay: %s", p)
	}
	return len(ops) - len(problems)
}

// crashSession is what the checks read of a session.
type crashSession struct {
	ID        string                   `json:"id"`
	Status    string                   `json:"status"`
	Currency  string                   `json:"currency"`
	Protocol  struct{ Version string } `json:"protocol"`
	LineItems []struct {
		ID       string              `json:"id"`
		Item     struct{ ID string } `json:"item"`
		Quantity int64               `json:"quantity"`
	} `json:"line_items"`
	Totals []struct {
		Type   string `json:"type"`
		Amount int64  `json:"amount"`
	} `json:"totals"`
	Capabilities struct {
		Payment struct {
			Handlers []struct{ ID string } `json:"handlers"`
		} `json:"payment"`
	} `json:"capabilities"`
	FulfillmentDetails *struct {
		Address *struct {
			PostalCode string `json:"postal_code"`
		} `json:"address"`
	} `json:"fulfillment_details"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	ExpiresAt string `json:"expires_at"`
	Order     *struct {
		ID                string `json:"id"`
		CheckoutSessionID string `json:"checkout_session_id"`
	} `json:"order"`
}

func (s *crashSession) total() int64 {
	for _, t := range s.Totals {
		if t.Type == "total" {
			return t.Amount
		}
	}
	return -1
}

var crashStatuses = []string{"not_ready_for_payment", "ready_for_payment", "authentication_required", "complete_in_progress", "completed", "canceled", "expired"}

// checkCrashSession decodes a session and lists what is missing or wrong
// in it: a half-written session would lack something.
func checkCrashSession(body []byte, id string) (crashSession, []string) {
	var problems []string
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return crashSession{}, []string{"not a JSON object: " + err.Error()}
	}
	for _, k := range []string{"id", "status", "currency", "line_items", "totals", "fulfillment_options", "messages", "links", "capabilities", "protocol", "created_at", "updated_at", "expires_at"} {
		if v, ok := raw[k]; !ok || string(v) == "null" {
			problems = append(problems, "no "+k)
		}
	}
	var s crashSession
	if err := json.Unmarshal(body, &s); err != nil {
		return s, append(problems, "does not decode: "+err.Error())
	}
	if s.ID != id {
		problems = append(problems, "id "+s.ID)
	}
	if !slices.Contains(crashStatuses, s.Status) {
		problems = append(problems, "status "+s.Status)
	}
	if s.Currency != "usd" || s.Protocol.Version != crashAPIVersion {
		problems = append(problems, fmt.Sprintf("currency %q, protocol version %q", s.Currency, s.Protocol.Version))
	}
	if len(s.LineItems) != 2 {
		problems = append(problems, fmt.Sprintf("%d line items, want 2", len(s.LineItems)))
	}
	for _, l := range s.LineItems {
		if l.ID == "" || l.Item.ID == "" || l.Quantity < 1 {
			problems = append(problems, fmt.Sprintf("line item %+v", l))
		}
	}
	if s.total() <= 0 {
		problems = append(problems, "no positive total")
	}
	if len(s.Capabilities.Payment.Handlers) != 1 || s.Capabilities.Payment.Handlers[0].ID != crashHandlerID {
		problems = append(problems, fmt.Sprintf("payment handlers %+v", s.Capabilities.Payment.Handlers))
	}
	for _, ts := range []string{s.CreatedAt, s.UpdatedAt, s.ExpiresAt} {
		if _, err := time.Parse(time.RFC3339, ts); err != nil {
			problems = append(problems, "timestamp "+ts)
		}
	}
	return s, problems
}

// listCrashOrders pages through every order with list.
func listCrashOrders(t *testing.T, list func(after string) ([]*model.Order, bool, error)) []*model.Order {
	t.Helper()
	var all []*model.Order
	after := ""
	for {
		page, more, err := list(after)
		if err != nil {
			t.Fatalf("listing orders: %v", err)
		}
		all = append(all, page...)
		if !more || len(page) == 0 {
			return all
		}
		after = page[len(page)-1].ID
	}
}

// crashReceiver is the agent's order event endpoint: it verifies
// Merchant-Signature and counts deliveries by Request-Id and order. While
// down is set it answers 503 to every delivery.
type crashReceiver struct {
	srv  *httptest.Server
	down atomic.Bool

	mu            sync.Mutex
	deliveries    int
	badSignatures []string
	byRequestID   map[string]int
	creates       map[string]int    // order id -> order_create deliveries
	sessionOf     map[string]string // order id -> checkout_session_id
	arrivals      map[string][]crashArrival
	changed       chan struct{}
}

// crashArrival is one accepted delivery of an order's event.
type crashArrival struct {
	requestID, eventType string
	// adjustments is how many adjustments the event's order carries.
	adjustments int
}

type crashReceiverStats struct{ deliveries, creates, duplicates, badSignatures int }

func newCrashReceiver(t *testing.T) *crashReceiver {
	r := &crashReceiver{byRequestID: map[string]int{}, creates: map[string]int{}, sessionOf: map[string]string{},
		arrivals: map[string][]crashArrival{}, changed: make(chan struct{}, 1)}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *crashReceiver) url() string { return r.srv.URL + "/agentic_checkout/webhooks/order_events" }

func (r *crashReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	if r.down.Load() {
		http.Error(w, "down for the test", http.StatusServiceUnavailable)
		return
	}
	var event struct {
		Type string `json:"type"`
		Data struct {
			ID                string            `json:"id"`
			CheckoutSessionID string            `json:"checkout_session_id"`
			Adjustments       []json.RawMessage `json:"adjustments"`
		} `json:"data"`
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	defer func() {
		select {
		case r.changed <- struct{}{}:
		default:
		}
	}()
	if err := testkit.VerifySignature([]byte(crashWebhookSecret), req.Header.Get("Merchant-Signature"), body, time.Now(), 300*time.Second); err != nil {
		r.badSignatures = append(r.badSignatures, err.Error())
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if err := json.Unmarshal(body, &event); err != nil || event.Data.ID == "" {
		r.badSignatures = append(r.badSignatures, fmt.Sprintf("undecodable event %s: %v", body, err))
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	r.deliveries++
	r.byRequestID[req.Header.Get("Request-Id")]++
	if event.Type == model.EventOrderCreate {
		r.creates[event.Data.ID]++
	}
	r.sessionOf[event.Data.ID] = event.Data.CheckoutSessionID
	r.arrivals[event.Data.ID] = append(r.arrivals[event.Data.ID], crashArrival{req.Header.Get("Request-Id"), event.Type, len(event.Data.Adjustments)})
	_, _ = fmt.Fprintf(w, `{"received":true}`)
}

// waitFor waits until every order in want (order id -> session id) has
// had its order_create delivered, then checks that no event named another
// order or the wrong session.
func (r *crashReceiver) waitFor(t *testing.T, want map[string]string, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		r.mu.Lock()
		var missing []string
		for oid := range want {
			if r.creates[oid] == 0 {
				missing = append(missing, oid)
			}
		}
		bad := slices.Clone(r.badSignatures)
		var wrong []string
		for oid, sid := range r.sessionOf {
			if want[oid] != sid {
				wrong = append(wrong, fmt.Sprintf("%s (session %s, want %q)", oid, sid, want[oid]))
			}
		}
		r.mu.Unlock()
		if len(missing) == 0 {
			if len(bad) > 0 {
				t.Errorf("%d deliveries failed verification, e.g. %s", len(bad), bad[0])
			}
			if len(wrong) > 0 {
				slices.Sort(wrong)
				t.Errorf("events for orders that are not completed sessions' orders: %v", wrong)
			}
			return
		}
		select {
		case <-r.changed:
		case <-deadline:
			slices.Sort(missing)
			t.Errorf("after %v, %d of %d orders never had their order_create delivered: %v", within, len(missing), len(want), missing)
			return
		}
	}
}

func (r *crashReceiver) stats() crashReceiverStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := crashReceiverStats{deliveries: r.deliveries, badSignatures: len(r.badSignatures)}
	for _, n := range r.creates {
		s.creates += n
	}
	for _, n := range r.byRequestID {
		s.duplicates += n - 1
	}
	return s
}

// jsonField returns a top-level string member of a JSON object, or "".
func crashJSONField(body []byte, name string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(m[name], &s)
	return s
}

func crashStopped(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// crashOutcome is what checkCrashRun counted, for a test's summary.
type crashOutcome struct {
	flows, sessions, completed, charges, acrossKills, replays, events int
	orders                                                            []*model.Order
	pis                                                               []stripefake.PaymentIntent
}

// summary says what a run did, for the test's log.
func (o crashOutcome) summary(agent *crashAgent, fake *stripefake.Server, hooks *crashReceiver) string {
	c := agent.ledger.counts()
	ev := hooks.stats()
	stripeReplays, stripeSearches := 0, 0
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost && r.Path == "/v1/payment_intents" && r.Replayed {
			stripeReplays++
		}
		if r.Path == "/v1/payment_intents/search" {
			stripeSearches++
		}
	}
	return fmt.Sprintf("%d checkouts, %d requests (%d without an answer, %d of them cut off by a kill; %d replayed); "+
		"%d sessions, %d completed, %d orders, %d PaymentIntents, %d charges (%d charge calls replayed by Stripe, %d PaymentIntent searches, %d orders placed after a kill that followed their charge); "+
		"%d answers replayed byte for byte afterwards; %d order events delivered (%d order_create for %d orders), %d duplicates, %d bad signatures",
		o.flows, c.sent, c.transportErrors, c.cut, c.replayed,
		o.sessions, o.completed, len(o.orders), len(o.pis), o.charges, stripeReplays, stripeSearches, o.acrossKills,
		o.replays, ev.deliveries, ev.creates, o.events, ev.duplicates, ev.badSignatures)
}

// checkCrashRun settles a run of agent's checkouts and checks what the
// servers kept. What got no final answer is sent again with the same key
// until it is answered; then every session an agent was told about must
// be whole and retrievable, every completed session must have one order
// and one charge, no session may be charged twice or charged without
// being completed, every idempotent answer must replay byte for byte, and
// every order's order_create event must reach hooks with the outbox
// drained. kills are the moments servers were killed; settle is how long
// the retries may take.
func checkCrashRun(t *testing.T, agent *crashAgent, fake *stripefake.Server, hooks *crashReceiver, kills []time.Time, settle time.Duration) crashOutcome {
	t.Helper()
	ledger, client := agent.ledger, agent.client
	// 5. What got no answer (or no final one) is sent again with the same
	// key, as an agent would, until it is answered for good.
	// Checkouts are independent: each is retried on its own goroutine, so
	// that one stuck request does not use up the others' time.
	deadline := time.Now().Add(settle)
	var retries sync.WaitGroup
	for _, f := range ledger.allFlows() {
		retries.Go(func() {
			for _, op := range f.ops {
				for !op.final && time.Now().Before(deadline) {
					agent.send(f, op)
					if !op.final {
						time.Sleep(20 * time.Millisecond) // an agent's back-off
					}
				}
			}
		})
	}
	retries.Wait()
	for _, f := range ledger.allFlows() {
		for _, op := range f.ops {
			if !op.final {
				t.Errorf("flow %d: %s %s (key %s) got no final answer in %v after %d tries: last %d %s %s",
					f.id, op.name, op.path, op.key, settle, op.tries, op.status, op.body, op.err)
			}
		}
	}

	// 6. The checks.
	flows := ledger.allFlows()
	sessions := map[string]*crashFlow{} // by session id
	completed := map[string]*crashFlow{}
	for _, f := range flows {
		for _, op := range f.ops {
			if op.final && !op.expected() {
				t.Errorf("flow %d: %s %s (key %s) answered %d %s; want %s", f.id, op.name, op.path, op.key, op.status, op.body, op.want())
			}
		}
		if f.sessionID == "" {
			continue
		}
		if other, dup := sessions[f.sessionID]; dup {
			t.Errorf("flows %d and %d (different keys) were both given session %s", other.id, f.id, f.sessionID)
		}
		sessions[f.sessionID] = f
		if c := f.op("complete"); c != nil && c.final && c.status == http.StatusOK && crashJSONField(c.body, "status") == "completed" {
			completed[f.sessionID] = f
		}
	}

	// Every session is retrievable and whole, in the state its answers
	// said.
	orderOf := map[string]string{} // session id -> order id, from the session
	totalOf := map[string]int64{}
	for _, sid := range slices.Sorted(maps.Keys(sessions)) {
		f := sessions[sid]
		status, body, err := agent.get("/checkout_sessions/" + sid)
		if err != nil || status != http.StatusOK {
			t.Errorf("flow %d: GET session %s: %d %s %v", f.id, sid, status, body, err)
			continue
		}
		s, problems := checkCrashSession(body, sid)
		_, isCompleted := completed[sid]
		if u := f.op("update"); u != nil && u.final && u.status == http.StatusOK {
			if s.FulfillmentDetails == nil || s.FulfillmentDetails.Address == nil || s.FulfillmentDetails.Address.PostalCode != f.postal {
				problems = append(problems, "the answered update's address ("+f.postal+") is missing")
			}
		}
		switch {
		case isCompleted && (s.Status != "completed" || s.Order == nil):
			problems = append(problems, "answered completed, but is "+s.Status+" without an order")
		case isCompleted:
			orderOf[sid] = s.Order.ID
			totalOf[sid] = s.total()
			if s.Order.ID == "" || s.Order.CheckoutSessionID != sid {
				problems = append(problems, fmt.Sprintf("order %+v does not name the session", *s.Order))
			}
		case s.Status == "completed" || s.Order != nil:
			problems = append(problems, "completed (or with an order) though no complete was answered completed")
		}
		if len(problems) > 0 {
			t.Errorf("flow %d: session %s: %s\n%s", f.id, sid, strings.Join(problems, "; "), body)
		}
	}

	// Every completed session has exactly one order, and there are no
	// others (merchant API).
	admin := &merchantapi.Client{BaseURL: agent.base(), Token: crashMerchantToken, HTTP: client}
	orders := listCrashOrders(t, func(after string) ([]*model.Order, bool, error) {
		return admin.List(context.Background(), after, merchantapi.MaxListLimit)
	})
	ordersBySession := map[string][]*model.Order{}
	for _, o := range orders {
		ordersBySession[o.CheckoutSessionID] = append(ordersBySession[o.CheckoutSessionID], o)
		if _, ok := completed[o.CheckoutSessionID]; !ok {
			t.Errorf("order %s is for session %s, which was never answered completed (known session: %v)",
				o.ID, o.CheckoutSessionID, sessions[o.CheckoutSessionID] != nil)
		}
	}
	for _, sid := range slices.Sorted(maps.Keys(completed)) {
		got := ordersBySession[sid]
		if len(got) != 1 || got[0].ID != orderOf[sid] {
			ids := []string{}
			for _, o := range got {
				ids = append(ids, o.ID)
			}
			t.Errorf("completed session %s (order %s) has orders %v in the merchant API; want exactly its order", sid, orderOf[sid], ids)
			continue
		}
		if o := got[0]; o.Total != totalOf[sid] || o.HandlerID != crashHandlerID || o.PaymentID == "" {
			t.Errorf("order %s: total %d, handler %q, payment %q; want the session's total %d, %s and a payment",
				o.ID, o.Total, o.HandlerID, o.PaymentID, totalOf[sid], crashHandlerID)
		}
	}

	// Exactly one successful charge per completed session, none for any
	// other session, and at most one charge attempt (Stripe idempotency
	// key) per session: every token here succeeds, so a second attempt
	// means one was forgotten (the fake's single-use tokens would hide the
	// second charge).
	pis := fake.PaymentIntents()
	charges := map[string][]stripefake.PaymentIntent{}
	for _, pi := range pis {
		sid := pi.Metadata[stripe.MetadataSessionID]
		if pi.Status != "succeeded" || pi.LatestCharge == "" {
			t.Errorf("PaymentIntent %s for session %s is %s, want succeeded (every token here pays)", pi.ID, sid, pi.Status)
			continue
		}
		charges[sid] = append(charges[sid], pi)
		if _, ok := completed[sid]; !ok {
			t.Errorf("charge %s (PaymentIntent %s, %d %s) is for session %s, which is not completed (known session: %v)",
				pi.LatestCharge, pi.ID, pi.Amount, pi.Currency, sid, sessions[sid] != nil)
		}
	}
	acrossKills := 0 // orders placed by a later server than the one that charged
	for _, sid := range slices.Sorted(maps.Keys(completed)) {
		got := charges[sid]
		if len(got) != 1 {
			t.Errorf("completed session %s was charged %d times: %+v", sid, len(got), got)
			continue
		}
		pi := got[0]
		if o := ordersBySession[sid]; len(o) == 1 && slices.ContainsFunc(kills, func(k time.Time) bool {
			return pi.Created.Before(k) && o[0].CreatedAt.After(k)
		}) {
			acrossKills++
		}
		if o := ordersBySession[sid]; len(o) == 1 && (o[0].PaymentID != pi.ID || pi.Amount != o[0].Total || pi.Currency != "usd") {
			t.Errorf("order %s (payment %s, %d usd) does not match its charge %s (%d %s)", o[0].ID, o[0].PaymentID, o[0].Total, pi.ID, pi.Amount, pi.Currency)
		}
	}
	attemptKeys := map[string]map[string]bool{}
	for _, r := range fake.Requests() {
		if r.Method != http.MethodPost || r.Path != "/v1/payment_intents" {
			continue
		}
		sid := r.Form.Get("metadata[" + stripe.MetadataSessionID + "]")
		if attemptKeys[sid] == nil {
			attemptKeys[sid] = map[string]bool{}
		}
		attemptKeys[sid][r.IdempotencyKey] = true
	}
	for _, sid := range slices.Sorted(maps.Keys(attemptKeys)) {
		if keys := attemptKeys[sid]; len(keys) > 1 {
			t.Errorf("session %s: %d charge attempts reached Stripe (keys %v); want one", sid, len(keys), slices.Sorted(maps.Keys(keys)))
		}
	}

	// Every idempotent answer survived the crashes: the same request again
	// replays it byte for byte.
	replays := agent.replayAll(t, flows)

	// Every order's order_create event reaches the receiver (at least
	// once), and the outbox drains with nothing dead.
	want := map[string]string{} // order id -> session id
	for sid, oid := range orderOf {
		want[oid] = sid
	}
	hooks.waitFor(t, want, 20*time.Second)
	drainDeadline := time.Now().Add(20 * time.Second)
	for {
		pending, errP := admin.Events(context.Background(), model.EventPending, merchantapi.MaxListLimit)
		dead, errD := admin.Events(context.Background(), model.EventDead, merchantapi.MaxListLimit)
		if errP == nil && errD == nil && len(pending) == 0 && len(dead) == 0 {
			break
		}
		if time.Now().After(drainDeadline) {
			t.Errorf("the outbox did not drain: %d pending (%v), %d dead (%v): %+v %+v", len(pending), errP, len(dead), errD, pending, dead)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}

	agent.checkSchemas(t)
	return crashOutcome{flows: len(flows), sessions: len(sessions), completed: len(completed), charges: len(charges),
		acrossKills: acrossKills, replays: replays, events: len(want), orders: orders, pis: pis}
}
