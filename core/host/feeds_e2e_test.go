package host_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/merchantapi"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/internal/feedtest"
	"github.com/acp-sidecar/acp/internal/pgtest"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// The feed tests publish the demo store's catalog to a test Feed API
// (internal/feedtest), which validates every body it receives against
// the 2026-04-17 feed schema.
const (
	feedTokenEnv = "FEED_TOKEN"
	feedToken    = "feed-platform-token-do-not-log"
	feedTarget   = "platform"
	demoMerchant = "demo-merchant-local-token"
	feedWait     = 20 * time.Second
)

// feedEnv is the environment of a server publishing to the test
// platform.
var feedEnv = map[string]string{feedTokenEnv: feedToken}

// demoFeedConfig is the demo acp.yaml with its store in dir, the tee's
// stock 1 (so that one sale sells it out), extra appended, and one feed
// target at url, published as feedtest.PublishingConfig says.
func demoFeedConfig(t *testing.T, dir, url, extra string) *config.Config {
	t.Helper()
	text := demoStoreText(t, dir) + extra + fmt.Sprintf("\nfeeds:\n  - name: %s\n    url: %s\n    token_env: %s\n    target_country: US\n", feedTarget, url, feedTokenEnv) + feedtest.PublishingConfig()
	cfg, err := config.LoadBytes([]byte(text), host.ConfigOptions("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// demoStoreText is the demo acp.yaml with its store in dir and the tee's
// stock 1 (so that one sale sells it out).
func demoStoreText(t *testing.T, dir string) string {
	t.Helper()
	demo, err := os.ReadFile("../../acp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(demo)
	for _, edit := range [][2]string{{"dir: ./data", "dir: " + dir}, {"      stock: 5\n", "      stock: 1\n"}} {
		if !strings.Contains(text, edit[0]) {
			t.Fatalf("the demo config no longer contains %q", edit[0])
		}
		text = strings.Replace(text, edit[0], edit[1], 1)
	}
	return text
}

// demoProducts is the demo catalog as its feed shows it, the tee's stock
// 1: each product's variants as "id title price currency available
// status".
var demoProducts = map[string][]string{
	"mug-classic":         {"mug-classic Classic mug 1500 USD true in_stock"},
	"beans-house-1kg":     {"beans-house-1kg House blend beans, 1 kg 2400 USD true in_stock"},
	"guide-brewing-ebook": {"guide-brewing-ebook Brewing guide (ebook) 999 USD true in_stock"},
	"grinder-pro":         {"grinder-pro Pro burr grinder 8900 USD false out_of_stock"},
	"tee-logo":            {"tee-logo Logo T-shirt 2000 USD true in_stock"},
	"tumbler-travel": {
		"tumbler-travel-black Travel tumbler - Black 2800 USD true in_stock",
		"tumbler-travel-sage Travel tumbler - Sage 2800 USD true in_stock",
	},
}

// feedProduct is what the tests read of a feed product.
type feedProduct struct {
	ID       string `json:"id"`
	Variants []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
		Price struct {
			Amount   int64  `json:"amount"`
			Currency string `json:"currency"`
		} `json:"price"`
		Availability struct {
			Available bool   `json:"available"`
			Status    string `json:"status"`
		} `json:"availability"`
	} `json:"variants"`
}

// variants summarizes a product body's variants as demoProducts does.
func variants(t *testing.T, body []byte) []string {
	t.Helper()
	var p feedProduct
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("a feed product is not JSON: %v\n%s", err, body)
	}
	out := make([]string, 0, len(p.Variants))
	for _, v := range p.Variants {
		out = append(out, fmt.Sprintf("%s %s %d %s %v %s", v.ID, v.Title, v.Price.Amount, v.Price.Currency, v.Availability.Available, v.Availability.Status))
	}
	return out
}

// shown returns the platform's one feed, its id and its products
// summarized; an empty id while there is no feed.
func shown(t *testing.T, platform *feedtest.Server) (string, map[string][]string) {
	t.Helper()
	feeds := platform.Feeds()
	if len(feeds) == 0 {
		return "", nil
	}
	if len(feeds) > 1 {
		t.Fatalf("the platform holds the feeds %v, want one", feeds)
	}
	out := map[string][]string{}
	for id, body := range platform.Products(feeds[0]) {
		out[id] = variants(t, body)
	}
	return feeds[0], out
}

// waitShown waits until the platform's feed shows want.
func waitShown(t *testing.T, platform *feedtest.Server, what string, want map[string][]string) string {
	t.Helper()
	var id string
	var got map[string][]string
	testkit.Eventually(t, feedWait, what, func() bool {
		id, got = shown(t, platform)
		return maps.EqualFunc(got, want, slices.Equal)
	})
	return id
}

// withVariants returns want with the product id's variants replaced.
func withVariants(want map[string][]string, id string, variants ...string) map[string][]string {
	out := maps.Clone(want)
	out[id] = variants
	return out
}

// accepted returns, for each product, the bodies the platform accepted,
// in the order they arrived.
func accepted(platform *feedtest.Server) map[string][]json.RawMessage {
	out := map[string][]json.RawMessage{}
	for _, s := range platform.Accepted() {
		out[s.ID] = append(out[s.ID], s.Body)
	}
	return out
}

// getText GETs url and returns the 200 answer's body.
func getText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, data)
	}
	return string(data)
}

// buyLastUnit buys one unit of item as the demo agent (create, update,
// complete), every request body and answer checked against the schema,
// and returns when the completion was asked for: when the stock changed.
func buyLastUnit(t *testing.T, base, item string) time.Time {
	t.Helper()
	schemas := acpschema.For(t, v0417)
	post := agentPost(t, base)
	create := `{"line_items":[{"id":"` + item + `"}],"currency":"usd","capabilities":{}}`
	schemas.Def(t, "CheckoutSessionCreateRequest", []byte(create))
	session := post("/checkout_sessions", create)
	id, _ := session["id"].(string)
	update := `{"fulfillment_details":{"name":"Ada Lovelace","email":"ada@example.com","address":{"name":"Ada Lovelace","line_one":"1 Market St","city":"San Francisco","state":"CA","country":"US","postal_code":"94105"}},` +
		`"selected_fulfillment_options":[{"type":"shipping","option_id":"standard","item_ids":["li_` + item + `"]}]}`
	schemas.Def(t, "CheckoutSessionUpdateRequest", []byte(update))
	if s := post("/checkout_sessions/"+id, update); s["status"] != "ready_for_payment" {
		t.Fatalf("the session after its update = %v", s)
	}
	sold := time.Now()
	done := post("/checkout_sessions/"+id+"/complete", `{"payment_data":{"handler_id":"sandbox_card","instrument":{"type":"card","credential":{"type":"spt","token":"spt_test_ok"}}}}`)
	if done["status"] != "completed" {
		t.Fatalf("the completed session = %v", done)
	}
	return sold
}

// promptly bounds how long after a change the platform accepts it: the
// catalog is sampled once per delay, and the target's round, once per
// delay too, sends the latest sample, so a change goes within one to
// two delays; the seconds more tolerate a loaded machine, but not a wait
// on anything but the sampling.
const promptly = 2*feedtest.Delay + 3*time.Second

// checkPromptly checks that the platform accepted the product id as it
// is now (want, its variants as demoProducts shows them) within promptly
// of changed, when the change was made.
func checkPromptly(t *testing.T, platform *feedtest.Server, id string, want []string, changed time.Time) {
	t.Helper()
	for _, u := range platform.Upserts() {
		if u.Status != http.StatusOK {
			continue
		}
		for i, pid := range u.IDs {
			if pid != id || !slices.Equal(variants(t, u.Products[i]), want) {
				continue
			}
			if took := u.At.Sub(changed); took > promptly {
				t.Errorf("%s reached the platform %s after the change, more than %s (one to two delays of %s)", id, took, promptly, feedtest.Delay)
			}
			return
		}
	}
	t.Errorf("the platform never accepted %s as %v", id, want)
}

// metricLine reports whether the metrics text has the line.
func metricLine(text, line string) bool {
	return slices.Contains(strings.Split(text, "\n"), line)
}

// idleAfterRound reports whether the server publishes the target and its
// last round found nothing to send.
func idleAfterRound(t *testing.T, s *server) bool {
	text := getText(t, s.base+"/metrics")
	return metricLine(text, `acp_feed_publishing{target="platform"} 1`) && metricLine(text, `acp_feed_products_pending{target="platform"} 0`)
}

// TestFeedsDemoStore: the demo store with a feed target publishes every
// product (the items sold on their own and the travel tumbler with its
// variants) at start; selling the tee's last unit through a whole
// checkout reaches the platform as out of stock; /metrics shows the feed
// metrics; a restart with an unchanged catalog publishes nothing more.
func TestFeedsDemoStore(t *testing.T) {
	t.Parallel()
	platform := feedtest.New(t, feedtest.Options{Token: feedToken})
	cfg := demoFeedConfig(t, filepath.Join(t.TempDir(), "data"), platform.URL(), "")
	s := startServerEnv(t, cfg, feedEnv)
	waitShown(t, platform, "the demo catalog published", demoProducts)
	// The platform shows the products before the server has recorded
	// that it accepted them.
	testkit.Eventually(t, feedWait, "the first round recorded", func() bool { return idleAfterRound(t, s) })

	metrics := getText(t, s.base+"/metrics")
	for _, line := range []string{
		`acp_feed_publishing{target="platform"} 1`,
		`acp_feed_products_pending{target="platform"} 0`,
		`acp_feed_products_sent_total{target="platform"} 6`,
	} {
		if !metricLine(metrics, line) {
			t.Errorf("/metrics lacks %q", line)
		}
	}
	for _, name := range []string{`acp_feed_upserts_total{outcome="accepted",target="platform"} `, `acp_feed_last_success_timestamp_seconds{target="platform"} `} {
		if !strings.Contains(metrics, "\n"+name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if strings.Contains(s.logs.String(), feedToken) {
		t.Error("the platform's credential is in the log")
	}

	sold := buyLastUnit(t, s.base, "tee-logo")
	soldOut := withVariants(demoProducts, "tee-logo", "tee-logo Logo T-shirt 2000 USD false out_of_stock")
	waitShown(t, platform, "the tee published out of stock", soldOut)
	checkPromptly(t, platform, "tee-logo", soldOut["tee-logo"], sold)
	if bodies := accepted(platform)["tee-logo"]; len(bodies) != 2 {
		t.Errorf("the tee was accepted %d times, want twice (in stock, then out of stock)", len(bodies))
	}

	s.stop()
	upserts, requests := len(platform.Upserts()), platform.Requests()
	again := startServerEnv(t, cfg, feedEnv)
	testkit.Eventually(t, feedWait, "the restarted server's first round", func() bool { return idleAfterRound(t, again) })
	if n, r := len(platform.Upserts()), platform.Requests(); n != upserts || r != requests {
		t.Errorf("after a restart with the same catalog the platform got %d upserts and %d requests more, want none", n-upserts, r-requests)
	}
	waitShown(t, platform, "the feed after the restart", soldOut)
}

// catalogRow is a row of acp-plugin-catalog-file's JSON file.
type catalogRow map[string]any

// demoRows is the demo catalog as acp-plugin-catalog-file's file, the
// tee's stock 1.
func demoRows() []catalogRow {
	return []catalogRow{
		{"sku": "mug-classic", "title": "Classic mug", "description": "A 350 ml stoneware mug with the Demo Coffee Co. logo.",
			"images": []string{"https://demo.acp.invalid/img/mug-classic.jpg"}, "unit_price": 1500, "stock": 100, "max_per_order": 10,
			"weight_value": 350, "weight_unit": "g", "fulfillment_types": []string{"shipping", "pickup"}},
		{"sku": "beans-house-1kg", "title": "House blend beans, 1 kg", "description": "Whole beans, medium roast.", "unit_price": 2400,
			"tax_category": "food", "weight_value": 1, "weight_unit": "kg", "fulfillment_types": []string{"shipping", "pickup"}},
		{"sku": "guide-brewing-ebook", "title": "Brewing guide (ebook)", "description": "Pour-over, espresso and cold brew, step by step.",
			"unit_price": 999, "fulfillment_types": []string{"digital"}},
		{"sku": "grinder-pro", "title": "Pro burr grinder", "unit_price": 8900, "stock": 0, "weight_value": 2.1, "weight_unit": "kg"},
		{"sku": "tee-logo", "title": "Logo T-shirt", "unit_price": 2000, "stock": 1, "max_per_order": 2},
		{"sku": "tumbler-travel-black", "unit_price": 2800, "stock": 20, "weight_value": 320, "weight_unit": "g",
			"product_id": "tumbler-travel", "product_title": "Travel tumbler", "product_description": "A 450 ml insulated steel tumbler with a leak-proof lid.",
			"categories": []string{"drinkware"}, "condition": []string{"new"}, "options": []map[string]string{{"name": "Color", "value": "Black"}}},
		{"sku": "tumbler-travel-sage", "unit_price": 2800, "weight_value": 320, "weight_unit": "g", "product_id": "tumbler-travel",
			"categories": []string{"drinkware"}, "condition": []string{"new"}, "options": []map[string]string{{"name": "Color", "value": "Sage"}}},
	}
}

// writeRows replaces the catalog file at path with rows, whole.
func writeRows(t *testing.T, path string, rows []catalogRow) {
	t.Helper()
	data, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// pluginCatalog writes rows as a catalog file in dir and returns the
// config sections that serve it with acp-plugin-catalog-file, re-read
// every 50 ms, and the file's path.
func pluginCatalog(t *testing.T, dir string, rows []catalogRow) (string, string) {
	t.Helper()
	path := filepath.Join(dir, "products.json")
	writeRows(t, path, rows)
	return fmt.Sprintf("\ncapabilities:\n  catalog: products\nplugins:\n  - name: products\n    command: %s\n    config:\n      path: %s\n      reload_interval: 50ms\n",
		testkit.Binary(t, "acp-plugin-catalog-file"), path), path
}

// edit returns rows with fn applied to the row of sku (removed when fn
// returns nil).
func edit(rows []catalogRow, sku string, fn func(catalogRow) catalogRow) []catalogRow {
	var out []catalogRow
	for _, r := range rows {
		if r["sku"] == sku {
			if r = fn(maps.Clone(r)); r == nil {
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// price returns a row edit setting the price.
func price(amount int) func(catalogRow) catalogRow {
	return func(r catalogRow) catalogRow {
		r["unit_price"] = amount
		return r
	}
}

// TestFeedsPluginCatalog: acp-plugin-catalog-file serving the demo's
// items publishes the very feed the built-in catalog does, byte for
// byte; a price edited in its file reaches the platform as an upsert;
// selling the tee's last unit (a whole checkout, the plugin holding the
// stock) reaches it as out of stock; a variant and an item removed from
// the file reach it as discontinued, never dropped.
func TestFeedsPluginCatalog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	builtInPlatform := feedtest.New(t, feedtest.Options{Token: feedToken})
	builtIn := startServerEnv(t, demoFeedConfig(t, filepath.Join(dir, "builtin"), builtInPlatform.URL(), ""), feedEnv)
	platform := feedtest.New(t, feedtest.Options{Token: feedToken})
	sections, path := pluginCatalog(t, dir, demoRows())
	s := startServerEnv(t, demoFeedConfig(t, filepath.Join(dir, "data"), platform.URL(), sections), feedEnv)

	builtInFeed := waitShown(t, builtInPlatform, "the built-in catalog published", demoProducts)
	feedID := waitShown(t, platform, "the plugin's catalog published", demoProducts)
	builtIn.stop()
	want, got := builtInPlatform.Products(builtInFeed), platform.Products(feedID)
	if !maps.EqualFunc(want, got, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
		t.Errorf("the plugin's feed differs from the built-in catalog's:\nplugin:   %s\nbuilt in: %s", got, want)
	}

	rows := edit(demoRows(), "beans-house-1kg", price(2600))
	edited := time.Now()
	writeRows(t, path, rows)
	now := withVariants(demoProducts, "beans-house-1kg", "beans-house-1kg House blend beans, 1 kg 2600 USD true in_stock")
	waitShown(t, platform, "the new price of the beans published", now)
	checkPromptly(t, platform, "beans-house-1kg", now["beans-house-1kg"], edited)

	sold := buyLastUnit(t, s.base, "tee-logo")
	now = withVariants(now, "tee-logo", "tee-logo Logo T-shirt 2000 USD false out_of_stock")
	waitShown(t, platform, "the tee published out of stock", now)
	checkPromptly(t, platform, "tee-logo", now["tee-logo"], sold)

	rows = edit(edit(rows, "grinder-pro", func(catalogRow) catalogRow { return nil }), "tumbler-travel-sage", func(catalogRow) catalogRow { return nil })
	removed := time.Now()
	writeRows(t, path, rows)
	now = withVariants(now, "grinder-pro", "grinder-pro Pro burr grinder 8900 USD false discontinued")
	now = withVariants(now, "tumbler-travel", "tumbler-travel-black Travel tumbler - Black 2800 USD true in_stock", "tumbler-travel-sage Travel tumbler - Sage 2800 USD false discontinued")
	waitShown(t, platform, "the removed item and variant published as discontinued", now)
	checkPromptly(t, platform, "grinder-pro", now["grinder-pro"], removed)
	checkPromptly(t, platform, "tumbler-travel", now["tumbler-travel"], removed)

	for id, bodies := range accepted(platform) {
		if len(bodies) == 0 || !slices.Equal(variants(t, bodies[len(bodies)-1]), now[id]) {
			t.Errorf("the last upsert of %s is not the product as the catalog shows it", id)
		}
	}
}

// TestFeedsPlatformDown: while the platform refuses connections, then
// answers 503, prices change several times; once it is back, nothing is
// lost: every product ends as the catalog shows it, and each product's
// upserts arrived in the order of its changes.
func TestFeedsPlatformDown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	platform := feedtest.New(t, feedtest.Options{Token: feedToken})
	sections, path := pluginCatalog(t, dir, demoRows())
	s := startServerEnv(t, demoFeedConfig(t, filepath.Join(dir, "data"), platform.URL(), sections), feedEnv)
	waitShown(t, platform, "the catalog published", demoProducts)
	admin := &merchantapi.Client{BaseURL: s.base, Token: demoMerchant}
	failures := func(n int) func() bool {
		return func() bool {
			list, err := admin.FeedTargets(context.Background())
			return err == nil && len(list) == 1 && list[0].Failures >= n && list[0].NextAttemptAt != nil && list[0].LastError != ""
		}
	}

	rows := demoRows()
	setPrices := func(step int) {
		rows = edit(edit(rows, "beans-house-1kg", price(2400+100*step)), "mug-classic", price(1500+100*step))
		writeRows(t, path, rows)
	}
	platform.SetMode(feedtest.Refusing)
	setPrices(1)
	testkit.Eventually(t, feedWait, "a failed attempt recorded", failures(1))
	setPrices(2)
	platform.SetMode(feedtest.Unavailable)
	testkit.Eventually(t, feedWait, "more failed attempts recorded", failures(3))
	setPrices(3)
	platform.SetMode(feedtest.Serving)

	want := withVariants(demoProducts, "beans-house-1kg", "beans-house-1kg House blend beans, 1 kg 2700 USD true in_stock")
	want = withVariants(want, "mug-classic", "mug-classic Classic mug 1800 USD true in_stock")
	waitShown(t, platform, "the last prices published after the outage", want)
	for id, bodies := range accepted(platform) {
		last := int64(-1)
		for _, body := range bodies {
			var p feedProduct
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			if amount := p.Variants[0].Price.Amount; amount < last {
				t.Errorf("%s: an upsert at %d after one at %d: the upserts are out of order", id, amount, last)
			} else {
				last = amount
			}
		}
	}
	if list, err := admin.FeedTargets(context.Background()); err != nil || list[0].Failures != 0 || list[0].LastError != "" {
		t.Errorf("the target after the outage = %+v, %v; want no failure left", list, err)
	}
}

// TestFeedsCatalogPluginWithoutListing: a catalog plugin that does not
// announce catalog.listing publishes nothing; the server starts all the
// same, logs an error naming the plugin and the capability, and the
// target's status says why.
func TestFeedsCatalogPluginWithoutListing(t *testing.T) {
	t.Parallel()
	platform := feedtest.New(t, feedtest.Options{Token: feedToken})
	sections := fmt.Sprintf("\ncapabilities:\n  catalog: shop\nplugins:\n  - name: shop\n    command: %s\n    config: {price: 100}\n", testkit.Binary(t, "testplugin"))
	s := startServerEnv(t, demoFeedConfig(t, filepath.Join(t.TempDir(), "data"), platform.URL(), sections), feedEnv)
	admin := &merchantapi.Client{BaseURL: s.base, Token: demoMerchant}
	var list []merchantapi.FeedTarget
	testkit.Eventually(t, feedWait, "the status saying why nothing is published", func() bool {
		var err error
		list, err = admin.FeedTargets(context.Background())
		return err == nil && len(list) == 1 && strings.Contains(list[0].LastError, "catalog.listing")
	})
	if list[0].FeedID != "" || list[0].LastPublishAt != nil || platform.Requests() != 0 {
		t.Errorf("the target = %+v, the platform got %d requests; want nothing published", list[0], platform.Requests())
	}
	logs := s.logs.String()
	if !strings.Contains(logs, "no product feed is published") || !strings.Contains(logs, `"plugin":"shop"`) || !strings.Contains(logs, `"capability":"catalog.listing"`) {
		t.Errorf("the log does not name the plugin and the capability:\n%s", logs)
	}
}

// TestFeedsReplicasOnPostgres: two servers on one PostgreSQL database
// each run a publisher; the target's lease makes one of them publish,
// so that every product, and then a change of stock made on the other
// server, reaches the platform once.
func TestFeedsReplicasOnPostgres(t *testing.T) {
	t.Parallel()
	platform := feedtest.New(t, feedtest.Options{Token: feedToken})
	env := map[string]string{feedTokenEnv: feedToken, "ACP_TEST_DSN": pgtest.DSN(t)}
	replicas := make([]*server, 2)
	for i := range replicas {
		cfg := demoFeedConfig(t, filepath.Join(t.TempDir(), "data"), platform.URL(), "")
		cfg.Store.Driver = config.StorePostgres
		cfg.Store.Postgres.DSNEnv, cfg.Store.Postgres.MigrateOnStart = "ACP_TEST_DSN", true
		replicas[i] = startServerEnv(t, cfg, env)
	}
	waitShown(t, platform, "the catalog published", demoProducts)
	publisher := -1
	testkit.Eventually(t, feedWait, "one replica publishing, idle", func() bool {
		publisher = slices.IndexFunc(replicas, func(s *server) bool { return idleAfterRound(t, s) })
		return publisher >= 0
	})
	other := replicas[1-publisher]
	if metricLine(getText(t, other.base+"/metrics"), `acp_feed_publishing{target="platform"} 1`) {
		t.Fatal("both replicas publish the target")
	}
	for id, bodies := range accepted(platform) {
		if len(bodies) != 1 {
			t.Errorf("%s was accepted %d times, want once", id, len(bodies))
		}
	}

	admin := &merchantapi.Client{BaseURL: other.base, Token: demoMerchant}
	if _, err := admin.SetStock(context.Background(), "tee-logo", 0); err != nil {
		t.Fatal(err)
	}
	waitShown(t, platform, "the tee published out of stock", withVariants(demoProducts, "tee-logo", "tee-logo Logo T-shirt 2000 USD false out_of_stock"))
	testkit.Eventually(t, feedWait, "the publishing replica idle again", func() bool { return idleAfterRound(t, replicas[publisher]) })
	for id, bodies := range accepted(platform) {
		if want := map[bool]int{true: 2, false: 1}[id == "tee-logo"]; len(bodies) != want {
			t.Errorf("%s was accepted %d times, want %d", id, len(bodies), want)
		}
	}
}
