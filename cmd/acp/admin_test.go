package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/merchantapi"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// buildACP returns the path of the acp binary, built once per source tree
// (testkit.Binary).
func buildACP(t *testing.T) string {
	t.Helper()
	return testkit.Binary(t, "acp")
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// demoConfig returns the demo acp.yaml listening on addr with its store in
// storeDir, with the replacements in edits (old, new, old, new, ...) made.
func demoConfig(t *testing.T, addr, storeDir string, edits ...string) string {
	t.Helper()
	demo, err := os.ReadFile("../../acp.yaml")
	if err != nil {
		t.Fatalf("read demo config: %v", err)
	}
	edits = append([]string{"listen: 127.0.0.1:8080", "listen: " + addr, "dir: ./data", "dir: " + storeDir}, edits...)
	text := string(demo)
	for i := 0; i < len(edits); i += 2 {
		if !strings.Contains(text, edits[i]) {
			t.Fatalf("the demo config no longer contains %q", edits[i])
		}
		text = strings.Replace(text, edits[i], edits[i+1], 1)
	}
	return text
}

// cliResult is what one run of a command gave.
type cliResult struct {
	code           int
	stdout, stderr string
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
}

// runBinary runs the acp binary in dir with the extra environment env.
func runBinary(t *testing.T, bin, dir string, env []string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("acp %v: %v", args, err)
		}
		code = exitErr.ExitCode()
	}
	return cliResult{code, stdout.String(), stderr.String()}
}

// checkoutClient drives the demo store's checkout API as its agent.
type checkoutClient struct {
	base string
	n    int
}

func (c *checkoutClient) post(t *testing.T, path, body string) map[string]any {
	t.Helper()
	c.n++
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer demo-agent-local-token")
	req.Header.Set("API-Version", "2026-04-17")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", fmt.Sprintf("cli-test-%d", c.n))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, data)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("POST %s: %v\n%s", path, err, data)
	}
	return out
}

// TestOrdersAndWebhooks runs the server, places an order through the
// checkout API, then works on it with the CLI: through the merchant API
// while the server runs, and on the store directly once it has stopped.
func TestOrdersAndWebhooks(t *testing.T) {
	t.Parallel()
	bin := buildACP(t)
	dir := t.TempDir()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
	}))
	defer receiver.Close()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "acp.yaml")
	text := demoConfig(t, addr, filepath.Join(dir, "data"),
		"    local_only_token: demo-agent-local-token\n",
		"    local_only_token: demo-agent-local-token\n    webhooks:\n      - name: orders\n        url: "+receiver.URL+
			"/acp\n        secret_env: ACP_TEST_WEBHOOK_SECRET\n        max_attempts: 1\n")
	// The demo config already allows private networks (webhook_delivery),
	// for its UCP walkthrough's loopback receiver: the receiver here is
	// on loopback too.
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"ACP_TEST_WEBHOOK_SECRET=" + strings.Repeat("s", 32)}
	acp := func(args ...string) cliResult {
		t.Helper()
		r := runBinary(t, bin, dir, env, append(args, "--config", cfg)...)
		if strings.Contains(r.stdout+r.stderr, "demo-merchant-local-token") {
			t.Errorf("acp %v printed the merchant token:\n%s", args, r)
		}
		if strings.Contains(r.stdout+r.stderr, "atp_CLI_SECRET_0001") {
			t.Errorf("acp %v printed the attribution token:\n%s", args, r)
		}
		return r
	}
	want := func(r cliResult, code int, stdout, stderr string) {
		t.Helper()
		if r.code != code || !strings.Contains(r.stdout, stdout) || !strings.Contains(r.stderr, stderr) {
			t.Fatalf("got %s\nwant exit %d, stdout containing %q, stderr containing %q", r, code, stdout, stderr)
		}
	}
	showOrder := func(id string) model.Order {
		t.Helper()
		r := acp("orders", "show", id, "--json")
		want(r, 0, id, "")
		var o model.Order
		if err := json.Unmarshal([]byte(r.stdout), &o); err != nil {
			t.Fatalf("orders show --json: %v\n%s", err, r.stdout)
		}
		return o
	}

	var logs bytes.Buffer
	server := exec.Command(bin, "serve", "--config", cfg)
	server.Dir = dir
	server.Env = append(os.Environ(), env...)
	server.Stderr = &logs
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	defer server.Process.Kill() //nolint:errcheck // best effort if the test fails early
	waitForServer(t, "http://"+addr, &logs)

	// An order: two mugs shipped express and the ebook, 5989 in all.
	shop := &checkoutClient{base: "http://" + addr}
	session := shop.post(t, "/checkout_sessions", `{"line_items":[{"id":"mug-classic","quantity":2},{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{}}`)
	sessionID, _ := session["id"].(string)
	shop.post(t, "/checkout_sessions/"+sessionID, `{"fulfillment_details":{"name":"Ada Lovelace","email":"ada@example.com",
		"address":{"name":"Ada Lovelace","line_one":"1 Market St","city":"San Francisco","state":"CA","country":"US","postal_code":"94105"}},
		"selected_fulfillment_options":[{"type":"shipping","option_id":"express","item_ids":["li_mug-classic"]}]}`)
	completed := shop.post(t, "/checkout_sessions/"+sessionID+"/complete",
		`{"payment_data":{"handler_id":"sandbox_card","instrument":{"type":"card","credential":{"type":"spt","token":"spt_test_ok"}}},
		"affiliate_attribution":{"provider":"impact.com","token":"atp_CLI_SECRET_0001","campaign_id":"camp_cli"},
		"risk_signals":{"ip_address":"203.0.113.9"}}`)
	order, _ := completed["order"].(map[string]any)
	id, _ := order["id"].(string)
	if id == "" {
		t.Fatalf("no order in %v", completed)
	}

	// While the server runs, through its merchant API.
	want(acp("orders", "list"), 0, id, "")
	if r := acp("orders", "list"); !strings.Contains(r.stdout, "5989 usd") || !strings.Contains(r.stdout, "2x Classic mug") {
		t.Errorf("orders list lacks the total or the items:\n%s", r)
	}
	// The order_create event fails once (max_attempts 1) and is dead.
	var event merchantapi.Event
	for deadline := time.Now().Add(10 * time.Second); event.ID == ""; {
		r := acp("webhooks", "list", "--json")
		want(r, 0, `"data"`, "")
		var list struct{ Data []merchantapi.Event }
		if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
			t.Fatalf("webhooks list --json: %v\n%s", err, r.stdout)
		}
		for _, e := range list.Data {
			if e.OrderID == id && e.Type == model.EventOrderCreate {
				event = e
			}
		}
		if event.ID == "" && time.Now().After(deadline) {
			t.Fatalf("no dead order_create event for %s: %s", id, r.stdout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	want(acp("webhooks", "list"), 0, "HTTP 500", "")
	want(acp("webhooks", "retry", event.ID), 0, "re-queued 1 event\n", "")
	want(acp("webhooks", "retry", "evt_unknown"), 1, "", "error: ")

	want(acp("orders", "ship", id, "--carrier", "UPS", "--tracking-number", "1Z999", "--location", "Oakland, CA"), 0, "is shipped; the order is shipped", "")
	want(acp("orders", "refund", id, "--amount", "100", "--reason", "damaged"), 0, "refunded 100 of 5989 usd", "")
	o := showOrder(id)
	if o.Status != model.OrderShipped || o.AmountRefunded != 100 || len(o.Fulfillments) != 1 ||
		o.Fulfillments[0].Carrier != "UPS" || o.Fulfillments[0].TrackingNumber != "1Z999" || len(o.Adjustments) != 1 {
		t.Errorf("order after ship and refund: %+v", o)
	}
	want(acp("orders", "refund", id, "--amount", "10000"), 1, "", "more than the 5989 paid for order "+id+". (amount_exceeded at $.amount)\n")
	if again := showOrder(id); again.AmountRefunded != 100 || len(again.Adjustments) != 1 {
		t.Errorf("an over-refund changed the order: %+v", again)
	}
	want(acp("orders", "show", "ord_missing"), 1, "", "(not_found)")
	if in := o.Insights; in == nil || in.LastTouch == nil || in.LastTouch.Token != "****0001" || in.RiskSignals == nil || in.RiskSignals.IPAddress != "203.0.113.9" {
		t.Errorf("orders show --json insights = %+v, want the last touch with its token masked and the risk signals", in)
	}

	if err := server.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := server.Wait(); err != nil {
		t.Fatalf("acp serve exited with %v\n%s", err, logs.String())
	}

	// With the server stopped, on the store directly.
	want(acp("orders", "cancel", id, "--reason", "customer_request"), 1, "", "(order_fulfilled)")
	want(acp("orders", "show", id), 0, "Oakland, CA", "")
	if r := acp("orders", "show", id); !strings.Contains(r.stdout, "shipped") || !strings.Contains(r.stdout, "UPS 1Z999") {
		t.Errorf("orders show:\n%s", r)
	}
	// The insights, from the store itself: provider and campaign shown,
	// the token masked, risk signal values only with --json.
	if r := acp("orders", "show", id); !strings.Contains(r.stdout, "impact.com, campaign camp_cli, token ****0001") ||
		!strings.Contains(r.stdout, "ip_address (values with --json)") || strings.Contains(r.stdout, "203.0.113.9") {
		t.Errorf("orders show insights:\n%s", r)
	}
	if o := showOrder(id); o.Insights == nil || o.Insights.LastTouch == nil || o.Insights.LastTouch.Token != "****0001" {
		t.Errorf("orders show --json on the store: insights %+v, want the token masked", o.Insights)
	}
	want(acp("orders", "refund", id, "--amount", "50"), 0, "refunded 150 of 5989 usd", "wait in the outbox")
	want(acp("webhooks", "list", "--state", "pending"), 0, id, "")
	want(acp("webhooks", "list"), 0, "order_", "")
	if o := showOrder(id); o.AmountRefunded != 150 {
		t.Errorf("amount_refunded = %d after the local refund, want 150", o.AmountRefunded)
	}
}

// waitForServer waits until the server at base answers /healthz, and
// fails the test with its logs after 15 s.
func waitForServer(t *testing.T, base string, logs fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v\n%s", err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServerHoldsTheStore holds the store as a running server would and
// checks how the commands then reach (or fail to reach) the merchant API.
func TestServerHoldsTheStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	storeDir := filepath.Join(dir, "data")
	addr := freeAddr(t) // nothing listens there
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	demo := write("demo.yaml", demoConfig(t, addr, storeDir))
	off := write("off.yaml", demoConfig(t, addr, storeDir, "merchant_api:\n  local_only_token: demo-merchant-local-token\n", ""))
	fromEnv := write("env.yaml", demoConfig(t, addr, storeDir, "local_only_token: demo-merchant-local-token", "token_env: ACP_TEST_MERCHANT_TOKEN"))
	noStore := write("nostore.yaml", demoConfig(t, addr, filepath.Join(dir, "absent")))

	cfg, err := config.Load(demo, host.ConfigOptions(""))
	if err != nil {
		t.Fatal(err)
	}
	_, held, err := host.OpenAdmin(cfg, slog.New(slog.DiscardHandler), os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { held.Close() }) // after the parallel subtests

	const secret = "merchant-secret-from-env"
	testCases := map[string]struct {
		args       []string
		env        map[string]string
		wantStderr string
	}{
		"merchant API off":     {[]string{"orders", "list", "--config", off}, nil, "the merchant API must be enabled"},
		"token variable unset": {[]string{"orders", "list", "--config", fromEnv}, nil, "environment variable ACP_TEST_MERCHANT_TOKEN is not set"},
		"server unreachable": {[]string{"orders", "show", "ord_1", "--config", fromEnv}, map[string]string{"ACP_TEST_MERCHANT_TOKEN": secret},
			"the server holds the store but cannot be reached at http://" + addr},
		"explicit server": {[]string{"webhooks", "list", "--config", demo, "--server", "http://" + addr}, nil, "cannot reach the server at http://" + addr},
		"bad server URL":  {[]string{"orders", "list", "--config", demo, "--server", "127.0.0.1:1"}, nil, "want a base URL"},
		"no store":        {[]string{"orders", "list", "--config", noStore}, nil, "store.dir"},
		"config error":    {[]string{"orders", "list", "--config", filepath.Join(dir, "missing.yaml")}, nil, "missing.yaml"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr, func(k string) string { return tc.env[k] })
			if code != 1 || !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("acp %v = %d\nstdout: %s\nstderr: %s\nwant 1, stderr containing %q", tc.args, code, stdout.String(), stderr.String(), tc.wantStderr)
			}
			if out := stdout.String() + stderr.String(); strings.Contains(out, secret) || strings.Contains(out, "demo-merchant-local-token") {
				t.Errorf("a token was printed:\n%s", out)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "absent")); !os.IsNotExist(err) {
		t.Errorf("a command created the missing store directory: %v", err)
	}
}

func TestServerURL(t *testing.T) {
	t.Parallel()
	tlsOn := config.TLS{CertFile: "cert.pem", KeyFile: "key.pem"}
	testCases := []struct {
		server         config.Server
		wantBase       string
		wantServerName string
	}{
		{config.Server{Listen: "127.0.0.1:8080"}, "http://127.0.0.1:8080", ""},
		{config.Server{Listen: ":8080"}, "http://127.0.0.1:8080", ""},
		{config.Server{Listen: "0.0.0.0:8080"}, "http://127.0.0.1:8080", ""},
		{config.Server{Listen: "[::]:8080"}, "http://[::1]:8080", ""},
		{config.Server{Listen: "[::1]:9000"}, "http://[::1]:9000", ""},
		{config.Server{Listen: "localhost:8080"}, "http://localhost:8080", ""},
		{config.Server{Listen: "127.0.0.1:8443", TLS: tlsOn, PublicURL: "https://127.0.0.1:8443"}, "https://127.0.0.1:8443", ""},
		{config.Server{Listen: ":8443", TLS: tlsOn, PublicURL: "https://localhost:8443"}, "https://127.0.0.1:8443", "localhost"},
		{config.Server{Listen: "0.0.0.0:443", TLS: tlsOn, PublicURL: "https://shop.example"}, "https://127.0.0.1:443", "shop.example"},
		{config.Server{Listen: "shop.example:443", TLS: tlsOn, PublicURL: "https://shop.example"}, "https://shop.example:443", ""},
	}
	for _, tc := range testCases {
		base, name, err := serverURL(tc.server)
		if err != nil || base != tc.wantBase || name != tc.wantServerName {
			t.Errorf("serverURL(%+v) = %q, %q, %v; want %q, %q", tc.server, base, name, err, tc.wantBase, tc.wantServerName)
		}
	}
	if _, _, err := serverURL(config.Server{Listen: "8080"}); err == nil {
		t.Error("serverURL accepted a listen address without a port")
	}
}

// TestUsageErrors checks that misused commands exit 2 with their usage,
// before any config is read (there is no acp.yaml here, so reading one
// would exit 1).
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		args       []string
		wantStderr string
	}{
		"orders without command":     {[]string{"orders"}, "acp orders list"},
		"unknown orders command":     {[]string{"orders", "frob"}, `unknown command "frob"`},
		"unknown webhooks command":   {[]string{"webhooks", "frob"}, `unknown command "frob"`},
		"unknown flag":               {[]string{"orders", "list", "--colour"}, "flag provided but not defined"},
		"list with an argument":      {[]string{"orders", "list", "ord_1"}, `unexpected argument "ord_1"`},
		"list limit zero":            {[]string{"orders", "list", "--limit", "0"}, "--limit must be from 1 to 100"},
		"show without id":            {[]string{"orders", "show"}, "ORDER_ID is required"},
		"show two ids":               {[]string{"orders", "show", "ord_1", "ord_2"}, "one ORDER_ID, got 2"},
		"refund without amount":      {[]string{"orders", "refund", "ord_1", "--reason", "damaged"}, "--amount is required"},
		"refund amount not a number": {[]string{"orders", "refund", "ord_1", "--amount", "1.50"}, `invalid value "1.50" for flag -amount`},
		"item without quantity":      {[]string{"orders", "ship", "ord_1", "--item", "li_mug-classic"}, "want LINE_ID=QUANTITY"},
		"item without id":            {[]string{"orders", "ship", "ord_1", "--item", "=2"}, "want LINE_ID=QUANTITY"},
		"item quantity zero":         {[]string{"orders", "refund", "ord_1", "--amount", "1", "--item", "li_a=0"}, "want LINE_ID=QUANTITY"},
		"item quantity not a number": {[]string{"orders", "ship", "ord_1", "--item", "li_a=two"}, "want LINE_ID=QUANTITY"},
		"occurred-at malformed":      {[]string{"orders", "ship", "ord_1", "--occurred-at", "yesterday"}, "not an RFC 3339 time"},
		"cancel without id":          {[]string{"orders", "cancel", "--reason", "x"}, "ORDER_ID is required"},
		"webhooks state":             {[]string{"webhooks", "list", "--state", "delivered"}, "--state must be dead or pending"},
		"retry without ids":          {[]string{"webhooks", "retry"}, "or pass --all"},
		"retry ids and all":          {[]string{"webhooks", "retry", "evt_1", "--all"}, "not both"},
		"feed without command":       {[]string{"feed"}, "acp feed status"},
		"unknown feed command":       {[]string{"feed", "frob"}, `unknown command "frob"`},
		"feed status argument":       {[]string{"feed", "status", "platform"}, `unexpected argument "platform"`},
		"push without targets":       {[]string{"feed", "push"}, "or pass --all"},
		"push targets and all":       {[]string{"feed", "push", "platform", "--all"}, "not both"},
		"export without out":         {[]string{"feed", "export", "--target", "platform"}, "--out DIR is required"},
		"export with an argument":    {[]string{"feed", "export", "--out", "x", "platform"}, `unexpected argument "platform"`},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.wantStderr) || !strings.Contains(stderr, "Usage:") {
				t.Errorf("acp %v = %d\nstdout: %s\nstderr: %s\nwant 2, stderr containing %q and the usage", tc.args, code, stdout, stderr, tc.wantStderr)
			}
		})
	}
}

// TestParseInterspersed checks that flags and positional arguments mix.
func TestParseInterspersed(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		args        []string
		want        []string
		wantCarrier string
	}{
		{[]string{"ord_1", "--carrier", "UPS"}, []string{"ord_1"}, "UPS"},
		{[]string{"--carrier", "UPS", "ord_1"}, []string{"ord_1"}, "UPS"},
		{[]string{"a", "--carrier=UPS", "b"}, []string{"a", "b"}, "UPS"},
		{[]string{"--carrier", "UPS", "--", "--not-a-flag"}, []string{"--not-a-flag"}, "UPS"},
		{[]string{"a", "--", "b", "--carrier"}, []string{"a", "b", "--carrier"}, ""},
	}
	for _, tc := range testCases {
		c := newAdminCommand("test", "", "", cli{stdout: io.Discard, stderr: io.Discard})
		carrier := c.fs.String("carrier", "", "")
		got, code := c.parse(tc.args)
		if code != -1 || !slices.Equal(got, tc.want) || *carrier != tc.wantCarrier {
			t.Errorf("parse(%q) = %q, %d, carrier %q; want %q, carrier %q", tc.args, got, code, *carrier, tc.want, tc.wantCarrier)
		}
	}
}

func TestLastFailure(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		event merchantapi.Event
		want  string
	}{
		{merchantapi.Event{}, "-"},
		{merchantapi.Event{LastStatus: 500, LastError: "HTTP 500 Internal Server Error"}, "HTTP 500 Internal Server Error"},
		{merchantapi.Event{LastStatus: 410, LastError: "target gone"}, "HTTP 410: target gone"},
		{merchantapi.Event{LastStatus: 503}, "HTTP 503"},
		{merchantapi.Event{LastError: "dial tcp:\n  connection refused"}, "dial tcp: connection refused"},
		{merchantapi.Event{LastError: strings.Repeat("x", 80)}, strings.Repeat("x", 59) + "…"},
	}
	for _, tc := range testCases {
		if got := lastFailure(tc.event.LastError, tc.event.LastStatus); got != tc.want {
			t.Errorf("lastFailure(%+v) = %q, want %q", tc.event, got, tc.want)
		}
	}
}
