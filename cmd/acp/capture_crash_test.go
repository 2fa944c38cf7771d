package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/payment/stripe/stripefake"
	"github.com/acp-sidecar/acp/internal/testkit"
)

const captureIntakeSecretEnv = "ACP_ORDER_INTAKE_SECRET"

// holdingIntake is the store's order intake. While holding, a placement
// is announced on placed and never answered (the server is killed while
// it waits); otherwise it answers status.
type holdingIntake struct {
	holding atomic.Bool
	status  atomic.Int64
	placed  chan struct{}

	mu         sync.Mutex
	placements int
}

func (in *holdingIntake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	in.mu.Lock()
	in.placements++
	in.mu.Unlock()
	if in.holding.Load() {
		select {
		case in.placed <- struct{}{}:
		default:
		}
		<-r.Context().Done() // the caller was killed
		return
	}
	w.WriteHeader(int(in.status.Load()))
	fmt.Fprint(w, `{}`)
}

// orderForwardConfig adds to a config the order capability, served by
// acp-plugin-order-forward posting each order to intakeURL once, with the
// secret from captureIntakeSecretEnv, and a long placement deadline.
func orderForwardConfig(t *testing.T, text, intakeURL string) string {
	t.Helper()
	text = strings.Replace(text, "\npayments:\n", "\ncapabilities:\n  fulfillment: orders\n\npayments:\n", 1)
	return text + `
orders:
  placement_deadline: 10m

plugins:
  - name: orders
    command: ` + testkit.Binary(t, "acp-plugin-order-forward") + `
    env: [` + captureIntakeSecretEnv + `]
    timeout: 30s
    config:
      url: ` + intakeURL + `
      secret_env: ` + captureIntakeSecretEnv + `
      timeout: 20s
      max_attempts: 1
`
}

// TestCrashBetweenAuthorizeAndCapture kills the server with SIGKILL while
// an authorized payment's order is at the order intake, and restarts it
// on the same store. The reconciler then finishes the attempt by itself:
// the order accepted → the PaymentIntent captured exactly once; the order
// refused → the PaymentIntent canceled, never captured. Either way
// nothing is left authorized.
func TestCrashBetweenAuthorizeAndCapture(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		intake      int
		wantPI      string
		wantCapture int
		wantSession string
	}{
		{"order accepted after the restart", http.StatusOK, "succeeded", 1, "completed"},
		{"order refused after the restart", http.StatusConflict, "canceled", 0, "ready_for_payment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bin := buildACP(t)
			dir := t.TempDir()
			fake := stripefake.Start(t, stripefake.Options{})
			hooks := newCrashReceiver(t)
			in := &holdingIntake{placed: make(chan struct{}, 1)}
			in.holding.Store(true)
			in.status.Store(int64(tc.intake))
			intake := httptest.NewServer(in)
			t.Cleanup(intake.Close)

			addr := freeAddr(t)
			text := orderForwardConfig(t, crashConfig(t, addr, filepath.Join(dir, "data"), fake.URL, hooks.url()), intake.URL+"/acp/orders")
			cfg := filepath.Join(dir, "acp.yaml")
			if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			env := []string{
				crashStripeKeyEnv + "=" + stripefake.SecretKey,
				crashStripeHookEnv + "=" + crashStripeHook,
				crashWebhookEnv + "=" + crashWebhookSecret,
				captureIntakeSecretEnv + "=intake-secret-for-the-capture-crash-test",
			}
			srv := &crashServer{bin: bin, dir: dir, cfg: cfg, env: env, addr: addr}
			t.Cleanup(srv.kill)
			if err := srv.start(t); err != nil {
				t.Fatal(err)
			}
			agent := &crashAgent{srv: srv, client: &http.Client{Timeout: 30 * time.Second}, ledger: &crashLedger{}}

			status, _, body, err := agent.postContext(t.Context(), "/checkout_sessions", "cap-create",
				`{"line_items":[{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{}}`)
			if err != nil || status != http.StatusCreated {
				t.Fatalf("create: %d %s %v", status, body, err)
			}
			id := crashJSONField(body, "id")
			completed := make(chan struct{})
			go func() {
				defer close(completed)
				// Killed mid-request: no answer.
				_, _, _, _ = agent.postContext(t.Context(), "/checkout_sessions/"+id+"/complete", "cap-complete",
					`{"payment_data":{"handler_id":"`+crashHandlerID+`","instrument":{"type":"card","credential":{"type":"spt","token":"spt_ok_capture_crash"}}}}`)
			}()
			select {
			case <-in.placed:
			case <-time.After(20 * time.Second):
				t.Fatalf("the order never reached the intake:\n%s", srv.logTail())
			}
			pis := fake.PaymentIntents()
			if len(pis) != 1 || pis[0].Status != "requires_capture" {
				t.Fatalf("at the kill: PaymentIntents %+v, want one authorized", pis)
			}
			srv.kill()
			<-completed

			in.holding.Store(false)
			if err := srv.start(t); err != nil {
				t.Fatal(err)
			}
			var session map[string]any
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				code, body, err := agent.get("/checkout_sessions/" + id)
				if err != nil || code != http.StatusOK {
					continue
				}
				session = nil
				_ = json.Unmarshal(body, &session)
				if session["status"] != "complete_in_progress" {
					break
				}
			}
			if session["status"] != tc.wantSession {
				t.Fatalf("after the restart the session is %v, want %s:\n%s", session["status"], tc.wantSession, srv.logTail())
			}
			pis = fake.PaymentIntents()
			if len(pis) != 1 || pis[0].Status != tc.wantPI || pis[0].Captures != tc.wantCapture {
				t.Fatalf("PaymentIntents %+v, want one %s, captured %d times", pis, tc.wantPI, tc.wantCapture)
			}
		})
	}
}
