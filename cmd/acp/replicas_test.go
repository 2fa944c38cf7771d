package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/merchantapi"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/orders"
	"github.com/acp-sidecar/acp/core/payment/stripe"
	"github.com/acp-sidecar/acp/core/payment/stripe/stripefake"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/internal/pgtest"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// The replica tests run several `acp serve` processes on one PostgreSQL
// database, a fresh one per test, as a seller runs them behind a load
// balancer.
const (
	// replicaDSNEnv is the variable the replicas read their DSN from
	// (store.postgres.dsn_env).
	replicaDSNEnv = "ACP_REPLICA_TEST_DSN"
	// replicaCount is how many replicas a test runs.
	replicaCount = 3
	// replicaKeyLease is the tests' idempotency.lease: how long a lost
	// replica's in-flight keys stay taken.
	replicaKeyLease = 2 * time.Second
	// replicaSessionLease is how long a lost replica's sessions stay
	// taken: checkout.DefaultSessionLease, which no config key changes.
	replicaSessionLease = 30 * time.Second
)

// replicaOptions choose what a test's replicas serve beyond the crash
// test's config (Stripe on the fake, an order webhook target).
type replicaOptions struct {
	// sandbox adds the sandbox handler sandbox_card beside stripe_card.
	sandbox bool
	// orders adds acp-plugin-order-forward; replica i posts its orders
	// to /r<i>/acp/orders of the cluster's intake.
	orders bool
	// receiverDown keeps events pending for the seconds a test holds the
	// webhook receiver down (slowerRetries).
	receiverDown bool
	// builds, when set, are the acp binaries to run, one replica each
	// (the first one migrates the database); otherwise replicaCount
	// replicas run this tree's acp.
	builds []string
}

// slowerRetries lengthens the crash config's webhook back-offs, so that
// events wait out a receiver down for several seconds without using up
// their attempts (they are dead-lettered after 20).
func slowerRetries(t *testing.T, text string) string {
	t.Helper()
	for _, edit := range [][2]string{{"initial_backoff: 20ms", "initial_backoff: 500ms"}, {"max_backoff: 200ms", "max_backoff: 1s"}} {
		if !strings.Contains(text, edit[0]) {
			t.Fatalf("the crash config no longer has %q", edit[0])
		}
		text = strings.Replace(text, edit[0], edit[1], 1)
	}
	return text
}

// replicaCluster is a test's replicas and what they talk to.
type replicaCluster struct {
	bin     string
	env     []string
	fake    *stripefake.Server
	hooks   *crashReceiver
	intake  *replicaIntake
	servers []*crashServer
	client  *http.Client
	schema  *acpschema.Validator
}

// startReplicas makes a database, migrates it with `acp migrate` (the
// documented path) and starts replicaCount replicas on it (or one per
// opts.builds).
func startReplicas(t *testing.T, opts replicaOptions) *replicaCluster {
	t.Helper()
	builds := opts.builds
	if len(builds) == 0 {
		builds = slices.Repeat([]string{buildACP(t)}, replicaCount)
	}
	c := &replicaCluster{
		bin:   builds[0],
		fake:  stripefake.Start(t, stripefake.Options{}),
		hooks: newCrashReceiver(t),
		// Long enough for a request that waits out a lost replica's lease.
		client: &http.Client{Timeout: 2 * replicaSessionLease, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		schema: acpschema.For(t, crashAPIVersion),
	}
	t.Cleanup(c.client.CloseIdleConnections)
	if opts.orders {
		c.intake = newReplicaIntake(t)
	}
	c.env = []string{
		replicaDSNEnv + "=" + pgtest.DSN(t),
		crashStripeKeyEnv + "=" + stripefake.SecretKey,
		crashStripeHookEnv + "=" + crashStripeHook,
		crashWebhookEnv + "=" + crashWebhookSecret,
		captureIntakeSecretEnv + "=intake-secret-for-the-replica-tests",
	}
	for i, bin := range builds {
		dir := t.TempDir()
		addr := freeAddr(t)
		cfg := filepath.Join(dir, "acp.yaml")
		if err := os.WriteFile(cfg, []byte(c.config(t, i, addr, opts)), 0o600); err != nil {
			t.Fatal(err)
		}
		c.servers = append(c.servers, &crashServer{bin: bin, dir: dir, cfg: cfg, env: c.env, addr: addr})
	}
	if r := runBinary(t, c.bin, c.servers[0].dir, c.env, "migrate", "--config", c.servers[0].cfg); r.code != 0 {
		t.Fatalf("acp migrate: %s", r)
	}
	for _, s := range c.servers {
		t.Cleanup(s.kill) // before the fake, the receiver and the intake close
		if err := s.start(t); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i, s := range c.servers {
				t.Logf("replica %d:\n%s", i, s.logTail())
			}
		}
	})
	return c
}

// config is replica i's acp.yaml: the crash test's, on PostgreSQL, with
// a short idempotency lease.
func (c *replicaCluster) config(t *testing.T, i int, addr string, opts replicaOptions) string {
	t.Helper()
	text := crashConfig(t, addr, "./data", c.fake.URL, c.hooks.url())
	text = replaceSection(t, text, "store", postgresStoreConfig(replicaDSNEnv, 4))
	if opts.receiverDown {
		text = slowerRetries(t, text)
	}
	if opts.sandbox {
		text = strings.Replace(text, "\n  handlers:\n", "\n  handlers:\n"+
			"    - id: sandbox_card\n      kind: sandbox\n      display_name: Sandbox card\n      merchant_id: acct_sandbox_replicas\n      accepted_brands: [visa, mastercard, amex]\n", 1)
	}
	if opts.orders {
		text = orderForwardConfig(t, text, fmt.Sprintf("%s/r%d/acp/orders", c.intake.srv.URL, i))
		// A placement may wait at the intake for longer than a session's
		// lease (TestReplicaStalledPastItsLease), and the request with it.
		text = strings.Replace(text, "\nserver:\n", "\nserver:\n  write_timeout: 2m\n", 1)
		for _, edit := range [][2]string{{"\n    timeout: 30s\n", "\n    timeout: 5m\n"}, {"\n      timeout: 20s\n", "\n      timeout: 4m\n"}} {
			if !strings.Contains(text, edit[0]) {
				t.Fatalf("the order plugin's config no longer has %q", edit[0])
			}
			text = strings.Replace(text, edit[0], edit[1], 1)
		}
	}
	return text + fmt.Sprintf("\nidempotency:\n  lease: %s\n", replicaKeyLease)
}

// postgresStoreConfig is a store section on PostgreSQL, its DSN in
// dsnEnv, at most maxConns connections per replica.
func postgresStoreConfig(dsnEnv string, maxConns int) string {
	return fmt.Sprintf("store:\n  driver: postgres\n  postgres:\n    dsn_env: %s\n    max_conns: %d\n", dsnEnv, maxConns)
}

// replicaAnswer is one answer of a replica.
type replicaAnswer struct {
	status int
	header http.Header
	body   []byte
}

// String is the status and the start of the body, for a message.
func (a replicaAnswer) String() string {
	body := a.body
	if len(body) > 400 {
		body = append(body[:400:400], "…"...)
	}
	return fmt.Sprintf("%d %s", a.status, body)
}

// do sends an agent request to replica i. A POST's body is validated as
// the schema definition reqDef first (when reqDef is set); every answer
// is validated: an error as Error, a completed session as
// CheckoutSessionWithOrder, any other as CheckoutSession.
func (c *replicaCluster) do(t *testing.T, i int, method, path, key, reqDef, body string) (replicaAnswer, error) {
	t.Helper()
	if reqDef != "" {
		c.schema.Def(t, reqDef, []byte(body))
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.servers[i].base()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+crashAgentToken)
	req.Header.Set("API-Version", crashAPIVersion)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return replicaAnswer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return replicaAnswer{}, err
	}
	a := replicaAnswer{resp.StatusCode, resp.Header, data}
	switch {
	case a.status >= 300:
		c.schema.Response(t, acpschema.ErrorAnswer, data)
	case crashJSONField(data, "status") == "completed":
		c.schema.Response(t, acpschema.CompletedSession, data)
	default:
		c.schema.Response(t, acpschema.AnySession, data)
	}
	return a, nil
}

// must is do for a request that must answer want.
func (c *replicaCluster) must(t *testing.T, i int, method, path, key, reqDef, body string, want int) []byte {
	t.Helper()
	a, err := c.do(t, i, method, path, key, reqDef, body)
	if err != nil || a.status != want {
		t.Fatalf("replica %d: %s %s: %v %v; want %d", i, method, path, a, err, want)
	}
	return a.body
}

// The agent's request bodies.
const (
	replicaCreate = `{"line_items":[{"id":"mug-classic"},{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{"interventions":{"supported":["3ds"]}}}`
	replicaUpdate = `{"fulfillment_details":{"name":"Ada Lovelace","email":"ada@example.com","address":{"name":"Ada Lovelace","line_one":"1 Market St","city":"San Francisco","state":"CA","country":"US","postal_code":"94105"}},"selected_fulfillment_options":[{"type":"shipping","option_id":"standard","item_ids":["li_mug-classic"]}]}`
)

// replicaComplete is a complete request paying with handler and token.
func replicaComplete(handler, token string) string {
	return fmt.Sprintf(`{"payment_data":{"handler_id":%q,"instrument":{"type":"card","credential":{"type":"spt","token":%q}}}}`, handler, token)
}

// readySession creates a session on replica i and updates it on the next
// one, so that it is ready for payment, and returns its id.
func (c *replicaCluster) readySession(t *testing.T, i int, key string) string {
	t.Helper()
	id := crashJSONField(c.must(t, i%replicaCount, http.MethodPost, "/checkout_sessions", key+"-create", "CheckoutSessionCreateRequest", replicaCreate, http.StatusCreated), "id")
	body := c.must(t, (i+1)%replicaCount, http.MethodPost, "/checkout_sessions/"+id, key+"-update", "CheckoutSessionUpdateRequest", replicaUpdate, http.StatusOK)
	if s := crashJSONField(body, "status"); s != "ready_for_payment" {
		t.Fatalf("update answered %s: %s", s, body)
	}
	return id
}

// admin is the merchant API of replica i.
func (c *replicaCluster) admin(i int) *merchantapi.Client {
	return &merchantapi.Client{BaseURL: c.servers[i].base(), Token: crashMerchantToken, HTTP: c.client}
}

// ordersOf lists the orders of session id (merchant API of replica i).
func (c *replicaCluster) ordersOf(t *testing.T, i int, id string) []*model.Order {
	t.Helper()
	var out []*model.Order
	for _, o := range listCrashOrders(t, func(after string) ([]*model.Order, bool, error) {
		return c.admin(i).List(context.Background(), after, merchantapi.MaxListLimit)
	}) {
		if o.CheckoutSessionID == id {
			out = append(out, o)
		}
	}
	return out
}

// orderCreates counts the distinct order_create events (by Request-Id)
// the receiver accepted for order id.
func (c *replicaCluster) orderCreates(id string) int {
	c.hooks.mu.Lock()
	defer c.hooks.mu.Unlock()
	ids := map[string]bool{}
	for _, a := range c.hooks.arrivals[id] {
		if a.eventType == model.EventOrderCreate {
			ids[a.requestID] = true
		}
	}
	return len(ids)
}

// stripeCharges checks that session id was charged exactly once at the
// fake Stripe: one PaymentIntent, created under one idempotency key,
// captured once, for amount.
func (c *replicaCluster) stripeCharges(t *testing.T, id string, amount int64) {
	t.Helper()
	var pis []stripefake.PaymentIntent
	for _, pi := range c.fake.PaymentIntents() {
		if pi.Metadata[stripe.MetadataSessionID] == id {
			pis = append(pis, pi)
		}
	}
	if len(pis) != 1 || pis[0].Status != "succeeded" || pis[0].Captures != 1 || pis[0].Amount != amount {
		t.Errorf("session %s: PaymentIntents %+v; want one of %d, succeeded, captured once", id, pis, amount)
	}
	keys := map[string]bool{}
	for _, r := range c.fake.Requests() {
		if r.Method == http.MethodPost && r.Path == "/v1/payment_intents" && r.Form.Get("metadata["+stripe.MetadataSessionID+"]") == id {
			keys[r.IdempotencyKey] = true
		}
	}
	if len(keys) != 1 {
		t.Errorf("session %s: %d charge attempts (idempotency keys %v) reached Stripe; want one", id, len(keys), keys)
	}
}

// oneOrder checks that session id has exactly one order (merchant API of
// replica i), the one named by the session, and that its order_create
// event reached the receiver, once. It returns the order.
func (c *replicaCluster) oneOrder(t *testing.T, i int, id string) *model.Order {
	t.Helper()
	got := c.ordersOf(t, i, id)
	if len(got) != 1 {
		t.Fatalf("session %s has %d orders: %+v; want one", id, len(got), got)
	}
	o := got[0]
	testkit.Eventually(t, 20*time.Second, "the order_create event of order "+o.ID, func() bool { return c.orderCreates(o.ID) > 0 })
	if n := c.orderCreates(o.ID); n != 1 {
		t.Errorf("order %s: %d distinct order_create events; want one", o.ID, n)
	}
	return o
}

// TestReplicasAgentFlow runs three replicas on one database and sends
// each request of an agent's checkouts to a different one: the full flow,
// every body schema-valid; 50 concurrent completes of one session spread
// over the three, paid with the sandbox handler and with Stripe (the
// fake), which must charge once and make one order and one order_create
// event; and one Idempotency-Key sent to two replicas at once, of which
// one executes and the other gets 409 with Retry-After or the replay.
func TestReplicasAgentFlow(t *testing.T) {
	t.Parallel()
	c := startReplicas(t, replicaOptions{sandbox: true, orders: true})

	t.Run("each request to another replica", func(t *testing.T) {
		id := c.readySession(t, 0, "flow")
		done := c.must(t, 2, http.MethodPost, "/checkout_sessions/"+id+"/complete", "flow-complete", "CheckoutSessionCompleteRequest",
			replicaComplete("sandbox_card", "spt_ok_replicas_flow"), http.StatusOK)
		if crashJSONField(done, "status") != "completed" {
			t.Fatalf("complete answered %s", done)
		}
		for i := range replicaCount {
			got := c.must(t, i, http.MethodGet, "/checkout_sessions/"+id, "", "", "", http.StatusOK)
			if !sameSession(t, got, done) {
				t.Errorf("replica %d: GET answers\n%s\nthe complete answered\n%s", i, got, done)
			}
		}
		o := c.oneOrder(t, 1, id)
		if s, _ := checkCrashSession(done, id); s.Order == nil || s.Order.ID != o.ID {
			t.Errorf("the session's order %+v, the merchant API's %s", s.Order, o.ID)
		}
		if c.intake.count() != 1 {
			t.Errorf("the intake received %d placements; want one", c.intake.count())
		}

		other := crashJSONField(c.must(t, 1, http.MethodPost, "/checkout_sessions", "flow-other", "CheckoutSessionCreateRequest", replicaCreate, http.StatusCreated), "id")
		canceled := c.must(t, 2, http.MethodPost, "/checkout_sessions/"+other+"/cancel", "flow-cancel", "CancelSessionRequest",
			`{"intent_trace":{"reason_code":"other"}}`, http.StatusOK)
		if crashJSONField(canceled, "status") != "canceled" {
			t.Fatalf("cancel answered %s", canceled)
		}
		got := c.must(t, 0, http.MethodGet, "/checkout_sessions/"+other, "", "", "", http.StatusOK)
		if crashJSONField(got, "status") != "canceled" {
			t.Errorf("replica 0 sees the canceled session as %s", got)
		}
		a, err := c.do(t, 1, http.MethodPost, "/checkout_sessions/"+other+"/cancel", "flow-cancel-again", "CancelSessionRequest", `{}`)
		if err != nil || a.status != http.StatusMethodNotAllowed {
			t.Errorf("a second cancel on another replica: %v %v; want 405", a, err)
		}
	})

	for _, tc := range []struct{ name, handler string }{
		{"50 concurrent completes, sandbox", "sandbox_card"},
		{"50 concurrent completes, Stripe", crashHandlerID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := strings.ReplaceAll(tc.handler, "_", "-")
			id := c.readySession(t, 1, "race-"+key)
			placed := c.intake.count()
			var wg sync.WaitGroup
			answers := make([]replicaAnswer, 50)
			errs := make([]error, 50)
			start := make(chan struct{})
			for n := range answers {
				wg.Go(func() {
					<-start
					answers[n], errs[n] = c.do(t, n%replicaCount, http.MethodPost, "/checkout_sessions/"+id+"/complete",
						fmt.Sprintf("race-%s-%d", key, n), "CheckoutSessionCompleteRequest", replicaComplete(tc.handler, "spt_ok_replicas_race_"+key))
				})
			}
			close(start)
			wg.Wait()
			orderIDs := map[string]bool{}
			statuses := map[int]int{}
			for n, a := range answers {
				if errs[n] != nil {
					t.Errorf("complete %d: %v", n, errs[n])
					continue
				}
				statuses[a.status]++
				switch {
				case a.status == http.StatusOK && crashJSONField(a.body, "status") == "completed":
					s, _ := checkCrashSession(a.body, id)
					if s.Order != nil {
						orderIDs[s.Order.ID] = true
					}
				case a.status == http.StatusOK || a.status >= 500:
					t.Errorf("complete %d on replica %d: %s", n, n%replicaCount, a)
				}
			}
			t.Logf("answers by status: %v", statuses)
			if len(orderIDs) != 1 {
				t.Fatalf("the completed answers name orders %v; want one", orderIDs)
			}
			o := c.oneOrder(t, 2, id)
			if !orderIDs[o.ID] || o.HandlerID != tc.handler {
				t.Errorf("order %s (handler %s); the answers named %v", o.ID, o.HandlerID, orderIDs)
			}
			if n := c.intake.count() - placed; n != 1 {
				t.Errorf("the intake received %d placements; want one", n)
			}
			if tc.handler == crashHandlerID {
				c.stripeCharges(t, id, o.Total)
			}
		})
	}

	t.Run("one key on two replicas at once", func(t *testing.T) {
		// Creates racing with one key: one session, whoever answers.
		var wg sync.WaitGroup
		creates := make([]replicaAnswer, 2*replicaCount)
		for n := range creates {
			wg.Go(func() {
				a, err := c.do(t, n%replicaCount, http.MethodPost, "/checkout_sessions", "same-key-create", "CheckoutSessionCreateRequest", replicaCreate)
				if err != nil {
					t.Errorf("create %d: %v", n, err)
				}
				creates[n] = a
			})
		}
		wg.Wait()
		var created replicaAnswer
		originals, statuses := 0, map[int]int{}
		for n, a := range creates {
			statuses[a.status]++
			switch {
			case a.status == http.StatusConflict:
				checkRetryAfter(t, a)
			case a.status != http.StatusCreated:
				t.Errorf("create %d: %v; want 201 or 409", n, a)
			case created.body != nil && !bytes.Equal(a.body, created.body):
				t.Errorf("two creates with one key answered different sessions:\n%s\n%s", created.body, a.body)
			default:
				created = a
			}
			if a.status == http.StatusCreated && a.header.Get("Idempotent-Replayed") != "true" {
				originals++
			}
		}
		t.Logf("%d creates with one key at once: answers by status %v, %d executed", len(creates), statuses, originals)
		if originals != 1 {
			t.Errorf("%d creates with one key executed; want one (the others 409 or the replay)", originals)
		}

		// A complete held at the order intake on replica 0 while the same
		// key reaches replica 1.
		id := c.readySession(t, 2, "same-key")
		c.intake.hold(0)
		body := replicaComplete("sandbox_card", "spt_ok_replicas_same_key")
		executing := make(chan replicaAnswer, 1)
		go func() {
			a, err := c.do(t, 0, http.MethodPost, "/checkout_sessions/"+id+"/complete", "same-key-complete", "CheckoutSessionCompleteRequest", body)
			if err != nil {
				t.Errorf("the executing complete: %v", err)
			}
			executing <- a
		}()
		c.intake.waitHeld(t, 0)
		second, err := c.do(t, 1, http.MethodPost, "/checkout_sessions/"+id+"/complete", "same-key-complete", "CheckoutSessionCompleteRequest", body)
		c.intake.release(0)
		first := <-executing
		if err != nil {
			t.Fatal(err)
		}
		if first.status != http.StatusOK || crashJSONField(first.body, "status") != "completed" {
			t.Fatalf("the executing complete answered %v", first)
		}
		t.Logf("the same key on replica 1 while replica 0 executed it: %d", second.status)
		switch second.status {
		case http.StatusConflict:
			checkRetryAfter(t, second)
		case http.StatusOK:
			if !bytes.Equal(second.body, first.body) || second.header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("the second complete answered 200 but not the replay:\n%s\nthe first:\n%s", second.body, first.body)
			}
		default:
			t.Errorf("the second complete with the key answered %v; want 409 with Retry-After or the replay", second)
		}
		again, err := c.do(t, 2, http.MethodPost, "/checkout_sessions/"+id+"/complete", "same-key-complete", "CheckoutSessionCompleteRequest", body)
		if err != nil || again.status != http.StatusOK || !bytes.Equal(again.body, first.body) || again.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("the key again on replica 2: %v %v (replayed %q); want the first answer replayed", again, err, again.header.Get("Idempotent-Replayed"))
		}
		c.oneOrder(t, 0, id)
	})
}

// checkRetryAfter checks that a 409 says when to retry.
func checkRetryAfter(t *testing.T, a replicaAnswer) {
	t.Helper()
	if n, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || n < 1 {
		t.Errorf("409 with Retry-After %q; want a whole number of seconds: %s", a.header.Get("Retry-After"), a.body)
	}
}

// sameSession reports whether two session bodies are the same session
// state (the JSON equal but for members that say when it was sent).
func sameSession(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y map[string]any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return bytes.Equal(ja, jb)
}

// TestReplicaStalledPastItsLease stops a replica with SIGSTOP while it
// holds a session (its order placement waits at the intake) for longer
// than the session's lease. Another replica takes the session over and
// finishes the payment; when the stalled one resumes, its late commit is
// refused by the fencing check: one PaymentIntent, captured once, one
// order, one order_create event, and the session as the replica that
// took over left it.
func TestReplicaStalledPastItsLease(t *testing.T) {
	t.Parallel()
	c := startReplicas(t, replicaOptions{orders: true})
	id := c.readySession(t, 0, "stall")
	c.intake.hold(0)
	body := replicaComplete(crashHandlerID, "spt_ok_replicas_stall")
	stalled := make(chan replicaAnswer, 1)
	go func() {
		a, err := c.do(t, 0, http.MethodPost, "/checkout_sessions/"+id+"/complete", "stall-complete", "CheckoutSessionCompleteRequest", body)
		if err != nil {
			t.Errorf("the stalled replica's complete: %v", err)
		}
		stalled <- a
	}()
	c.intake.waitHeld(t, 0)
	pis := c.fake.PaymentIntents()
	if len(pis) != 1 || pis[0].Status != "requires_capture" {
		t.Fatalf("at the stall: PaymentIntents %+v, want one authorized", pis)
	}
	stop := c.servers[0].signal(t, syscall.SIGSTOP)
	stoppedAt := time.Now()
	t.Cleanup(func() { _ = stop.Signal(syscall.SIGCONT) })

	// Another replica takes the session over once the lease lapsed: the
	// agent's retry with the same key (or the reconciler before it)
	// places the order there and captures.
	var took replicaAnswer
	for deadline := time.Now().Add(replicaSessionLease + 20*time.Second); ; time.Sleep(200 * time.Millisecond) {
		a, err := c.do(t, 1, http.MethodPost, "/checkout_sessions/"+id+"/complete", "stall-complete", "CheckoutSessionCompleteRequest", body)
		if err == nil && a.status == http.StatusOK && crashJSONField(a.body, "status") == "completed" {
			took = a
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica 1 did not take the session over within the lease and 20 s: last %v %v", a, err)
		}
	}
	if waited := time.Since(stoppedAt); waited < replicaSessionLease/2 {
		t.Errorf("replica 1 completed the session %v after replica 0 stalled, well within its lease of %v", waited, replicaSessionLease)
	}
	tookOver, _ := checkCrashSession(took.body, id)
	pis = c.fake.PaymentIntents()
	if len(pis) != 1 || pis[0].Captures != 1 {
		t.Fatalf("after the takeover: PaymentIntents %+v; want one, captured once", pis)
	}

	// The stalled replica's placement is answered, then it resumes.
	c.intake.release(0)
	if err := stop.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	late := <-stalled
	switch {
	case late.status == http.StatusOK && crashJSONField(late.body, "status") == "completed":
		if s, _ := checkCrashSession(late.body, id); s.Order == nil || tookOver.Order == nil || s.Order.ID != tookOver.Order.ID {
			t.Errorf("the resumed replica answered an order other than the one replica 1 made:\n%s\n%s", late.body, took.body)
		}
	case late.status == http.StatusOK, late.status == 0:
		t.Errorf("the resumed replica answered %v", late)
	}
	captures := 0
	for _, r := range c.fake.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/capture") {
			captures++
		}
	}
	t.Logf("the resumed replica answered %d; capture calls at Stripe: %d (one ran)", late.status, captures)
	// Whatever it does after resuming: nothing more is charged, ordered
	// or stored over the winner's outcome.
	time.Sleep(2 * time.Second) // let it run its late steps
	for i := range replicaCount {
		got := c.must(t, i, http.MethodGet, "/checkout_sessions/"+id, "", "", "", http.StatusOK)
		if !sameSession(t, got, took.body) {
			t.Errorf("replica %d: the session is now\n%s\nreplica 1 completed it as\n%s", i, got, took.body)
		}
	}
	o := c.oneOrder(t, 2, id)
	c.stripeCharges(t, id, o.Total)
	lost := ""
	for line := range strings.Lines(c.servers[0].logTail()) {
		if strings.Contains(line, "lease was lost") {
			lost = line
		}
	}
	if lost == "" {
		t.Errorf("the resumed replica did not log that its session's lease was lost")
	}
	t.Logf("the resumed replica logged: %s", lost)
}

// signal sends sig to the running server and returns its process.
func (s *crashServer) signal(t *testing.T, sig syscall.Signal) *os.Process {
	t.Helper()
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd == nil {
		t.Fatal("the server is not running")
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	return cmd.Process
}

// TestReplicasKilled runs the crash test's agents against three replicas,
// each request to the next replica, and kills one replica with SIGKILL in
// each round, restarting it after the others served requests alone. No
// session, order or event an agent was told about may be lost, none
// charged twice, every answer replays byte for byte from any replica.
func TestReplicasKilled(t *testing.T) {
	t.Parallel()
	rounds := 4
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d rounds", seed, rounds)
	rng := rand.New(rand.NewPCG(seed, 0))
	c := startReplicas(t, replicaOptions{})
	ledger := &crashLedger{}
	agent := &crashAgent{replicas: c.servers, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: crashWorkers * 2}, Timeout: 20 * time.Second},
		ledger: ledger, schema: c.schema}
	defer agent.client.CloseIdleConnections()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	stopLoad := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopLoad()
	for w := range crashWorkers {
		wrng := rand.New(rand.NewPCG(seed, uint64(w)+1))
		wg.Go(func() { agent.run(wrng, stop) })
	}
	var kills []time.Time
	for r := range rounds {
		time.Sleep(200*time.Millisecond + time.Duration(rng.Int64N(int64(400*time.Millisecond)))) // when to kill, not an assertion
		victim := c.servers[r%replicaCount]
		kills = append(kills, time.Now())
		victim.kill()
		before := ledger.counts()
		time.Sleep(500 * time.Millisecond) // the others alone
		after := ledger.counts()
		if answered := (after.sent - after.transportErrors) - (before.sent - before.transportErrors); answered == 0 {
			t.Errorf("round %d: nothing was answered while replica %d was down", r+1, r%replicaCount)
		}
		if err := victim.start(t); err != nil {
			t.Fatalf("round %d: restart: %v", r+1, err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	stopLoad()
	// A killed replica's sessions wait for their leases to lapse.
	out := checkCrashRun(t, agent, c.fake, c.hooks, kills, 2*replicaSessionLease+20*time.Second)
	t.Logf("%d kills: %s", rounds, out.summary(agent, c.fake, c.hooks))
}

// TestReplicasWebhookReceiverDown keeps the agent's webhook receiver down
// while orders are made and changed through three replicas, then brings
// it up: the three replicas drain the outbox, every event is delivered,
// and each order's events arrive in the order they were made.
func TestReplicasWebhookReceiverDown(t *testing.T) {
	t.Parallel()
	c := startReplicas(t, replicaOptions{sandbox: true, receiverDown: true})
	c.hooks.down.Store(true)
	const ordersMade, changes = 6, 3
	var ids []string
	for n := range ordersMade {
		id := c.readySession(t, n, fmt.Sprintf("hooks-%d", n))
		done := c.must(t, (n+2)%replicaCount, http.MethodPost, "/checkout_sessions/"+id+"/complete", fmt.Sprintf("hooks-%d-complete", n), "CheckoutSessionCompleteRequest",
			replicaComplete("sandbox_card", "spt_ok_replicas_hooks"), http.StatusOK)
		s, _ := checkCrashSession(done, id)
		if s.Order == nil {
			t.Fatalf("complete answered %s", done)
		}
		ids = append(ids, s.Order.ID)
	}
	// Each change adds a credit, so that the k-th event of an order
	// carries k adjustments; each is made on another replica.
	for k := 1; k <= changes; k++ {
		for n, oid := range ids {
			if _, err := c.admin((n+k)%replicaCount).Adjust(context.Background(), oid, orders.AdjustmentInput{
				ID: fmt.Sprintf("credit-%d", k), Type: model.AdjustmentCredit, Amount: 1, Reason: "replica test",
			}); err != nil {
				t.Fatalf("order %s, change %d: %v", oid, k, err)
			}
		}
	}
	time.Sleep(300 * time.Millisecond) // deliveries fail meanwhile
	pending, err := c.admin(0).Events(context.Background(), model.EventPending, merchantapi.MaxListLimit)
	if err != nil || len(pending) != ordersMade*(changes+1) {
		t.Fatalf("while the receiver is down: %d pending events (%v); want %d", len(pending), err, ordersMade*(changes+1))
	}
	c.hooks.down.Store(false)
	testkit.Eventually(t, 30*time.Second, "every event delivered", func() bool {
		p, err := c.admin(1).Events(context.Background(), model.EventPending, merchantapi.MaxListLimit)
		return err == nil && len(p) == 0
	})
	if dead, err := c.admin(2).Events(context.Background(), model.EventDead, merchantapi.MaxListLimit); err != nil || len(dead) != 0 {
		t.Errorf("dead events %+v (%v); want none", dead, err)
	}
	c.hooks.mu.Lock()
	defer c.hooks.mu.Unlock()
	for _, oid := range ids {
		seen := map[string]bool{}
		var got []int
		for _, a := range c.hooks.arrivals[oid] {
			if !seen[a.requestID] {
				seen[a.requestID] = true
				got = append(got, a.adjustments)
			}
		}
		want := []int{0, 1, 2, 3}
		if !slices.Equal(got, want) {
			t.Errorf("order %s: events arrived with %v adjustments; want %v (one event per change, in order)", oid, got, want)
		}
		if a := c.hooks.arrivals[oid]; len(a) == 0 || a[0].eventType != model.EventOrderCreate {
			t.Errorf("order %s: the first event delivered is not its order_create: %+v", oid, a)
		}
	}
	if len(c.hooks.badSignatures) > 0 {
		t.Errorf("deliveries failing verification: %v", c.hooks.badSignatures)
	}
}

// TestReplicaMigrateFromBadger writes a Badger store with a real `acp
// serve` (completed, open and canceled sessions, their orders, and order
// events still pending because the receiver is down), copies it into a
// fresh database with `acp migrate --from-badger`, and reads everything
// back through a replica on PostgreSQL: every session and order as it
// was, every idempotent answer replayed, the pending events delivered.
func TestReplicaMigrateFromBadger(t *testing.T) {
	t.Parallel()
	bin := buildACP(t)
	fake := stripefake.Start(t, stripefake.Options{})
	hooks := newCrashReceiver(t)
	hooks.down.Store(true)
	dir := t.TempDir()
	env := []string{
		replicaDSNEnv + "=" + pgtest.DSN(t),
		crashStripeKeyEnv + "=" + stripefake.SecretKey,
		crashStripeHookEnv + "=" + crashStripeHook,
		crashWebhookEnv + "=" + crashWebhookSecret,
	}
	badgerDir := filepath.Join(dir, "data")
	badgerCfg := filepath.Join(dir, "badger.yaml")
	if err := os.WriteFile(badgerCfg, []byte(slowerRetries(t, crashConfig(t, freeAddr(t), badgerDir, fake.URL, hooks.url()))), 0o600); err != nil {
		t.Fatal(err)
	}
	old := &crashServer{bin: bin, dir: dir, cfg: badgerCfg, env: env, addr: freeAddr(t)}
	t.Cleanup(old.kill)
	if err := old.start(t); err != nil {
		t.Fatal(err)
	}
	agent := &crashAgent{srv: old, client: &http.Client{Timeout: 20 * time.Second}, ledger: &crashLedger{}, schema: acpschema.For(t, crashAPIVersion)}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 3 {
		wrng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(w)))
		wg.Go(func() { agent.run(wrng, stop) })
	}
	time.Sleep(time.Second) // a second of checkouts
	close(stop)
	wg.Wait()
	canceled := crashJSONField(mustPost(t, agent, "/checkout_sessions", "migrate-cancel-create",
		`{"line_items":[{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{}}`, http.StatusCreated), "id")
	mustPost(t, agent, "/checkout_sessions/"+canceled+"/cancel", "migrate-cancel", `{}`, http.StatusOK)

	// What the Badger server answers, before it stops.
	sessions := map[string][]byte{}
	for _, f := range agent.ledger.allFlows() {
		if f.sessionID == "" {
			continue
		}
		status, body, err := agent.get("/checkout_sessions/" + f.sessionID)
		if err != nil || status != http.StatusOK {
			t.Fatalf("GET %s on Badger: %d %s %v", f.sessionID, status, body, err)
		}
		sessions[f.sessionID] = body
	}
	status, body, err := agent.get("/checkout_sessions/" + canceled)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET %s on Badger: %d %s %v", canceled, status, body, err)
	}
	sessions[canceled] = body
	admin := &merchantapi.Client{BaseURL: old.base(), Token: crashMerchantToken, HTTP: agent.client}
	before := listCrashOrders(t, func(after string) ([]*model.Order, bool, error) {
		return admin.List(context.Background(), after, merchantapi.MaxListLimit)
	})
	pending, err := admin.Events(context.Background(), model.EventPending, merchantapi.MaxListLimit)
	if err != nil || len(before) == 0 || len(pending) == 0 {
		t.Fatalf("the Badger store holds %d orders and %d pending events (%v); want some of each", len(before), len(pending), err)
	}
	old.stop(t)

	// The move: migrate the database, copy the store, start on PostgreSQL.
	pgCfg := filepath.Join(dir, "postgres.yaml")
	text := replaceSection(t, slowerRetries(t, crashConfig(t, freeAddr(t), "./unused", fake.URL, hooks.url())), "store", postgresStoreConfig(replicaDSNEnv, 4))
	if err := os.WriteFile(pgCfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runBinary(t, bin, dir, env, "migrate", "--config", pgCfg, "--from-badger", badgerDir); r.code != 0 {
		t.Fatalf("acp migrate --from-badger: %s", r)
	}
	replica := &crashServer{bin: bin, dir: t.TempDir(), cfg: pgCfg, env: env, addr: freeAddr(t)}
	t.Cleanup(replica.kill)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the replica:\n%s", replica.logTail())
		}
	})
	if err := replica.start(t); err != nil {
		t.Fatal(err)
	}
	agent.srv = replica
	for id, want := range sessions {
		status, got, err := agent.get("/checkout_sessions/" + id)
		if err != nil || status != http.StatusOK || !sameSession(t, got, want) {
			t.Errorf("session %s on PostgreSQL: %d %v\n%s\non Badger it was\n%s", id, status, err, got, want)
		}
	}
	admin.BaseURL = replica.base()
	for _, o := range before {
		got, err := admin.Get(context.Background(), o.ID)
		if err != nil {
			t.Errorf("order %s on PostgreSQL: %v", o.ID, err)
			continue
		}
		a, _ := json.Marshal(o)
		b, _ := json.Marshal(got)
		if !bytes.Equal(a, b) {
			t.Errorf("order %s on PostgreSQL:\n%s\non Badger it was\n%s", o.ID, b, a)
		}
	}
	// Every answer an agent was given replays from the database, and the
	// events the receiver missed are delivered from it.
	agent.replayAll(t, agent.ledger.allFlows())
	hooks.down.Store(false)
	want := map[string]string{}
	for _, o := range before {
		want[o.ID] = o.CheckoutSessionID
	}
	hooks.waitFor(t, want, 20*time.Second)
	agent.checkSchemas(t)
	t.Logf("moved %d sessions, %d orders, %d pending events", len(sessions), len(before), len(pending))
}

// mustPost sends an agent request through the crash agent and fails the
// test unless it answers want.
func mustPost(t *testing.T, a *crashAgent, path, key, body string, want int) []byte {
	t.Helper()
	status, _, got, err := a.postContext(context.Background(), path, key, body)
	if err != nil || status != want {
		t.Fatalf("POST %s: %d %s %v; want %d", path, status, got, err, want)
	}
	return got
}

// stop stops the running server with SIGTERM and waits for it to exit.
func (s *crashServer) stop(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("acp serve did not stop within 30 s of SIGTERM")
	}
}

// replicaIntake is the store's order intake for a cluster: replica i
// posts to /r<i>/acp/orders. While replica i is held, its placements are
// announced and wait until it is released.
type replicaIntake struct {
	srv *httptest.Server

	mu         sync.Mutex
	held       map[int]chan struct{}
	arrived    map[int]chan struct{}
	placements int
}

func newReplicaIntake(t *testing.T) *replicaIntake {
	in := &replicaIntake{held: map[int]chan struct{}{}, arrived: map[int]chan struct{}{}}
	in.srv = httptest.NewServer(in)
	t.Cleanup(in.srv.Close)
	return in
}

func (in *replicaIntake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	replica, err := strconv.Atoi(strings.TrimPrefix(strings.SplitN(r.URL.Path, "/", 3)[1], "r"))
	if err != nil {
		http.Error(w, "no replica in the path", http.StatusNotFound)
		return
	}
	in.mu.Lock()
	in.placements++
	held, arrived := in.held[replica], in.arrived[replica]
	in.mu.Unlock()
	if held != nil {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-held:
		case <-r.Context().Done():
			return
		}
	}
	fmt.Fprint(w, `{}`)
}

// hold makes replica's next placements wait.
func (in *replicaIntake) hold(replica int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.held[replica] = make(chan struct{})
	in.arrived[replica] = make(chan struct{}, 1)
}

// waitHeld waits until a placement of replica is held.
func (in *replicaIntake) waitHeld(t *testing.T, replica int) {
	t.Helper()
	in.mu.Lock()
	arrived := in.arrived[replica]
	in.mu.Unlock()
	select {
	case <-arrived:
	case <-time.After(20 * time.Second):
		t.Fatalf("no order of replica %d reached the intake in 20 s", replica)
	}
}

// release answers replica's held placements and stops holding.
func (in *replicaIntake) release(replica int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if h := in.held[replica]; h != nil {
		close(h)
	}
	delete(in.held, replica)
}

// count is how many placements reached the intake.
func (in *replicaIntake) count() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.placements
}
