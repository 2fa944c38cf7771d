package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acptest"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// demoCSV is the demo store's catalog (the root acp.yaml) as CSV.
const demoCSV = `# The demo store's catalog.
sku,title,description,unit_price,currency,tax_category,weight_value,weight_unit,stock,max_per_order,fulfillment_types,images,product_id
mug-classic,Classic mug,"A 350 ml stoneware mug, with a logo.",1500,,,350,g,100,10,shipping|pickup,https://demo.acp.invalid/img/mug-classic.jpg,mug
beans-house-1kg,"House blend beans, 1 kg",Whole beans.,2400,,food,1,kg,,,shipping|pickup,,
guide-brewing-ebook,Brewing guide (ebook),,999,,,,,,,digital,,
grinder-pro,Pro burr grinder,,8900,,,2.1,kg,0,,shipping,,
tee-logo,Logo T-shirt,,2000,,,,,5,2,shipping,,
`

// newPlugin serves a file catalog configured with cfg, stopping its
// watcher when the test ends.
func newPlugin(t testing.TB, cfg string) *acptest.Plugin {
	t.Helper()
	c := newFileCatalog(slog.New(slog.DiscardHandler))
	t.Cleanup(c.Close)
	return acptest.New(t, c.serveOpts(), acptest.WithConfig(cfg))
}

// startPlugin serves an unconfigured file catalog.
func startPlugin(t *testing.T) *acptest.Plugin {
	t.Helper()
	c := newFileCatalog(slog.New(slog.DiscardHandler))
	t.Cleanup(c.Close)
	return acptest.Start(t, c.serveOpts())
}

// writeFile writes data to name in dir, atomically, and returns its path.
func writeFile(t testing.TB, dir, name, data string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// configFor renders a config block.
func configFor(t testing.TB, fields map[string]any) string {
	t.Helper()
	data, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func ptr(n int64) *int64 { return &n }

func resolve(t *testing.T, p *acptest.Plugin, currency string, ids ...string) []catalog.Item {
	t.Helper()
	req := &catalog.ResolveItemsRequest{Currency: currency}
	for _, id := range ids {
		req.Items = append(req.Items, catalog.ItemRef{ID: id, Quantity: 1})
	}
	resp, err := p.Catalog().ResolveItems(context.Background(), req)
	if err != nil {
		t.Fatalf("ResolveItems() error = %v", err)
	}
	if len(resp.Messages) != 0 {
		t.Errorf("ResolveItems() messages = %+v, want none", resp.Messages)
	}
	return resp.Items
}

// TestResolveItems: the items as the file writes them, each with its
// product id (an item sold on its own is its own product).
func TestResolveItems(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csvPath := writeFile(t, dir, "products.csv", demoCSV)
	shipPickup := []acp.FulfillmentType{acp.FulfillmentShipping, acp.FulfillmentPickup}
	want := []catalog.Item{
		{ID: "mug-classic", Found: true, Title: "Classic mug", Description: "A 350 ml stoneware mug, with a logo.",
			Images: []string{"https://demo.acp.invalid/img/mug-classic.jpg"}, UnitPrice: 1500, TaxCategory: "standard",
			Weight: &acp.Weight{Value: 350, Unit: "g"}, Available: ptr(100), MaxPerOrder: 10, FulfillmentTypes: shipPickup, ProductID: "mug"},
		{ID: "beans-house-1kg", Found: true, Title: "House blend beans, 1 kg", Description: "Whole beans.", UnitPrice: 2400,
			TaxCategory: "food", Weight: &acp.Weight{Value: 1, Unit: "kg"}, FulfillmentTypes: shipPickup, ProductID: "beans-house-1kg"},
		{ID: "guide-brewing-ebook", Found: true, Title: "Brewing guide (ebook)", UnitPrice: 999, TaxCategory: "standard",
			FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentDigital}, ProductID: "guide-brewing-ebook"},
		{ID: "grinder-pro", Found: true, Title: "Pro burr grinder", UnitPrice: 8900, TaxCategory: "standard",
			Weight: &acp.Weight{Value: 2.1, Unit: "kg"}, Available: ptr(0), FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentShipping},
			ProductID: "grinder-pro"},
		{ID: "tee-logo", Found: true, Title: "Logo T-shirt", UnitPrice: 2000, TaxCategory: "standard", Available: ptr(5), MaxPerOrder: 2,
			FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentShipping}, ProductID: "tee-logo"},
		{ID: "no-such-sku"},
	}
	ids := make([]string, len(want))
	for i, it := range want {
		ids[i] = it.ID
	}
	// The same catalog as JSON must serve the same items.
	jsonRows := `[
	  {"sku": "mug-classic", "title": "Classic mug", "description": "A 350 ml stoneware mug, with a logo.", "unit_price": 1500,
	   "weight_value": 350, "weight_unit": "g", "stock": 100, "max_per_order": 10, "fulfillment_types": ["shipping", "pickup"],
	   "images": ["https://demo.acp.invalid/img/mug-classic.jpg"], "product_id": "mug"},
	  {"sku": "beans-house-1kg", "title": "House blend beans, 1 kg", "description": "Whole beans.", "unit_price": 2400,
	   "tax_category": "food", "weight_value": 1, "weight_unit": "kg", "stock": null, "fulfillment_types": ["shipping", "pickup"]},
	  {"sku": "guide-brewing-ebook", "title": "Brewing guide (ebook)", "unit_price": 999, "fulfillment_types": ["digital"]},
	  {"sku": "grinder-pro", "title": "Pro burr grinder", "unit_price": 8900, "weight_value": 2.1, "weight_unit": "kg", "stock": 0},
	  {"sku": "tee-logo", "title": "Logo T-shirt", "unit_price": 2000, "stock": 5, "max_per_order": 2}
	]`
	jsonPath := writeFile(t, dir, "products.json", jsonRows)
	for name, path := range map[string]string{"csv": csvPath, "json": jsonPath} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newPlugin(t, configFor(t, map[string]any{"path": path}))
			if diff := cmp.Diff(want, resolve(t, p, "usd", ids...)); diff != "" {
				t.Errorf("ResolveItems() mismatch (-want +got):\n%s", diff)
			}
			healthy, msg, err := p.CheckHealth(context.Background())
			if err != nil || !healthy {
				t.Errorf("CheckHealth() = %v %q %v, want healthy", healthy, msg, err)
			}
		})
	}
}

// TestCurrencies checks that a price is served only in its own currency.
func TestCurrencies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeFile(t, dir, "prices.csv", "sku,title,unit_price,currency\n"+
		"mug,Mug,1500,USD\nmug,Mug,1400,eur\nbook,Book,900,\n")
	testCases := map[string]struct {
		configCurrency string
		currency       string
		want           map[string]int64 // sku → price; absent: not found
	}{
		"usd row": {currency: "usd", want: map[string]int64{"mug": 1500, "book": 900}},
		"eur row, currency-less row in any currency": {currency: "EUR", want: map[string]int64{"mug": 1400, "book": 900}},
		"no row in the currency":                     {currency: "jpy", want: map[string]int64{"book": 900}},
		"currency-less rows take the configured one": {configCurrency: "usd", currency: "eur", want: map[string]int64{"mug": 1400}},
		"configured currency matches":                {configCurrency: "usd", currency: "usd", want: map[string]int64{"mug": 1500, "book": 900}},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := map[string]any{"path": path, "reload_interval": "0s"}
			if tc.configCurrency != "" {
				cfg["currency"] = tc.configCurrency
			}
			p := newPlugin(t, configFor(t, cfg))
			got := map[string]int64{}
			for _, it := range resolve(t, p, tc.currency, "mug", "book") {
				if it.Found {
					got[it.ID] = it.UnitPrice
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("prices mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfigure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeFile(t, dir, "good.csv", "sku,title,unit_price\nmug,Mug,1500\n")
	testCases := map[string]struct {
		config  string
		wantErr string
	}{
		"valid":                        {config: `{"path": "` + good + `", "reload_interval": "1m", "currency": "USD"}`},
		"reloading off":                {config: `{"path": "` + good + `", "reload_interval": "0s"}`},
		"no config":                    {config: ``, wantErr: "does not match the plugin's schema"},
		"no path":                      {config: `{"reload_interval": "2s"}`, wantErr: "does not match the plugin's schema"},
		"empty path":                   {config: `{"path": ""}`, wantErr: "path is empty"},
		"unknown key":                  {config: `{"path": "` + good + `", "file": "x.csv"}`, wantErr: "does not match the plugin's schema"},
		"bad currency":                 {config: `{"path": "` + good + `", "currency": "dollars"}`, wantErr: `currency "dollars" is not a three-letter`},
		"missing file":                 {config: `{"path": "` + filepath.Join(dir, "absent.csv") + `"}`, wantErr: "no such file"},
		"unsupported extension":        {config: `{"path": "` + filepath.Join(dir, "items.xlsx") + `"}`, wantErr: `unsupported extension ".xlsx"`},
		"reload_interval not duration": {config: `{"path": "` + good + `", "reload_interval": "often"}`, wantErr: "reload_interval must be a duration"},
		"reload_interval too short":    {config: `{"path": "` + good + `", "reload_interval": "1ms"}`, wantErr: "at least 10ms"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := startPlugin(t).Configure(context.Background(), []byte(tc.config))
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Configure() = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestInvalidFiles checks that every kind of bad file is refused whole,
// with the place of the problem.
func TestInvalidFiles(t *testing.T) {
	t.Parallel()
	header := "sku,title,unit_price,weight_value,weight_unit,stock,max_per_order,fulfillment_types,images,currency\n"
	testCases := map[string]invalidFile{
		"decimal price":         {name: "a.csv", data: header + "mug,Mug,15.00,,,,,,,\n", wantErr: []string{"line 2", `unit_price: "15.00" is not an integer amount in minor units`}},
		"negative price":        {name: "a.csv", data: header + "mug,Mug,-1,,,,,,,\n", wantErr: []string{"unit_price must be 0 or more"}},
		"missing price":         {name: "a.csv", data: header + "mug,Mug,,,,,,,,\n", wantErr: []string{"unit_price is required"}},
		"missing title":         {name: "a.csv", data: header + "mug,,100,,,,,,,\n", wantErr: []string{"title is required"}},
		"missing sku":           {name: "a.csv", data: header + ",Mug,100,,,,,,,\n", wantErr: []string{"sku is required"}},
		"duplicate sku":         {name: "a.csv", data: header + "mug,Mug,100,,,,,,,\nmug,Mug,200,,,,,,,\n", wantErr: []string{`line 3: duplicate sku "mug" (also line 2)`}},
		"currency-less and not": {name: "a.csv", data: header + "mug,Mug,100,,,,,,,\nmug,Mug,200,,,,,,,eur\n", wantErr: []string{`line 2: sku "mug" has a row without a currency`}},
		"bad currency":          {name: "a.csv", data: header + "mug,Mug,100,,,,,,,dollars\n", wantErr: []string{`currency "dollars" is not a 3-letter`}},
		"unknown column":        {name: "a.csv", data: "sku,title,unit_price,colour\nmug,Mug,100,red\n", wantErr: []string{`unknown column "colour"`}},
		"missing column":        {name: "a.csv", data: "sku,title\nmug,Mug\n", wantErr: []string{`the "unit_price" column is required`}},
		"empty file":            {name: "a.csv", data: "", wantErr: []string{"a header row is required"}},
		"ragged row":            {name: "a.csv", data: header + "mug,Mug\n", wantErr: []string{"wrong number of fields"}},
		"weight unit":           {name: "a.csv", data: header + "mug,Mug,100,3,stone,,,,,\n", wantErr: []string{"weight_unit must be one of g, kg, oz, lb"}},
		"weight without unit":   {name: "a.csv", data: header + "mug,Mug,100,3,,,,,,\n", wantErr: []string{"weight_value is set but weight_unit is not"}},
		"zero weight":           {name: "a.csv", data: header + "mug,Mug,100,0,g,,,,,\n", wantErr: []string{"weight_value must be a number greater than 0"}},
		"negative stock":        {name: "a.csv", data: header + "mug,Mug,100,,,-2,,,,\n", wantErr: []string{"stock must be 0 or more"}},
		"stock not integer":     {name: "a.csv", data: header + "mug,Mug,100,,,lots,,,,\n", wantErr: []string{`stock: "lots" is not an integer`}},
		"negative max":          {name: "a.csv", data: header + "mug,Mug,100,,,,-1,,,\n", wantErr: []string{"max_per_order must be 0 (no cap) or more"}},
		"fulfillment type":      {name: "a.csv", data: header + "mug,Mug,100,,,,,shipping|teleport,,\n", wantErr: []string{`fulfillment type "teleport"`}},
		"relative image":        {name: "a.csv", data: header + "mug,Mug,100,,,,,,/img/mug.jpg,\n", wantErr: []string{`image "/img/mug.jpg" is not an absolute http(s) URL`}},
		"every problem at once": {name: "a.csv", data: header + "a,,100,,,,,,,\nb,B,-1,,,,,,,\n", wantErr: []string{"line 2: title is required", "line 3: unit_price must be 0 or more"}},
		"not a JSON array":      {name: "a.json", data: `{"items": []}`, wantErr: []string{"must be a JSON array of item objects"}},
		"JSON float price":      {name: "a.json", data: `[{"sku": "mug", "title": "Mug", "unit_price": 15.5}]`, wantErr: []string{"item [0]", "unit_price"}},
		"JSON unknown field":    {name: "a.json", data: `[{"sku": "mug", "title": "Mug", "unit_price": 1, "colour": "red"}]`, wantErr: []string{"item [0]", `unknown field "colour"`}},
		"JSON duplicate":        {name: "a.json", data: `[{"sku": "m", "title": "M", "unit_price": 1}, {"sku": "m", "title": "M", "unit_price": 2}]`, wantErr: []string{`item [1]: duplicate sku "m" (also item [0])`}},
	}
	checkInvalidFiles(t, testCases)
}

// invalidFile is a catalog file Configure must refuse: its name (whose
// extension says its format), its content, and what the error must
// contain.
type invalidFile struct {
	name, data string
	wantErr    []string
}

// checkInvalidFiles configures a plugin with each file of testCases and
// checks that it is refused with every wanted part in the error.
func checkInvalidFiles(t *testing.T, testCases map[string]invalidFile) {
	t.Helper()
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, t.TempDir(), tc.name, tc.data)
			err := startPlugin(t).Configure(context.Background(), []byte(configFor(t, map[string]any{"path": path})))
			if err == nil {
				t.Fatal("Configure() = nil, want an error")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Configure() = %v, want it to contain %q", err, want)
				}
			}
		})
	}
}

// TestReload checks that a changed file is served without a restart, that
// a bad file keeps the previous catalog and fails the health check, and
// that fixing it recovers.
func TestReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeFile(t, dir, "products.csv", "sku,title,unit_price\nmug,Mug,1500\n")
	p := newPlugin(t, configFor(t, map[string]any{"path": path, "reload_interval": "10ms"}))
	ctx := context.Background()
	if got := resolve(t, p, "usd", "mug", "tee"); got[0].UnitPrice != 1500 || got[1].Found {
		t.Fatalf("before reload: %+v", got)
	}

	writeFile(t, dir, "products.csv", "sku,title,unit_price\nmug,Mug,1700\ntee,Tee,2000\n")
	waitFor(t, "the new prices", func() bool {
		got := resolve(t, p, "usd", "mug", "tee")
		return got[0].UnitPrice == 1700 && got[1].Found && got[1].UnitPrice == 2000
	})

	writeFile(t, dir, "products.csv", "sku,title,unit_price\nmug,Mug,17.00\n")
	waitFor(t, "a failing health check", func() bool {
		healthy, msg, err := p.CheckHealth(ctx)
		return err == nil && !healthy && strings.Contains(msg, `unit_price: "17.00"`)
	})
	if got := resolve(t, p, "usd", "mug", "tee"); got[0].UnitPrice != 1700 || !got[1].Found {
		t.Errorf("after a bad file: %+v, want the previous catalog", got)
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a health check naming the missing file", func() bool {
		_, msg, _ := p.CheckHealth(ctx)
		return strings.Contains(msg, "no such file")
	})

	writeFile(t, dir, "products.csv", "sku,title,unit_price\nmug,Mug,1800\n")
	waitFor(t, "recovery", func() bool {
		healthy, _, err := p.CheckHealth(ctx)
		return err == nil && healthy && resolve(t, p, "usd", "mug")[0].UnitPrice == 1800
	})
	if got := resolve(t, p, "usd", "tee"); got[0].Found {
		t.Errorf("tee still found after it left the file: %+v", got)
	}
}

// TestReloadSameSizeSameMtime checks that an edit that keeps the file's
// size and modification time (an edit within the file system's timestamp
// granularity, or one whose mtime was restored) is still picked up.
func TestReloadSameSizeSameMtime(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "products.csv")
	if err := os.WriteFile(path, []byte("sku,title,unit_price\nmug,Mug,1500\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	p := newPlugin(t, configFor(t, map[string]any{"path": path, "reload_interval": "10ms"}))
	if got := resolve(t, p, "usd", "mug"); got[0].UnitPrice != 1500 {
		t.Fatalf("before the edit: %+v", got)
	}
	time.Sleep(50 * time.Millisecond) // a few polls of the unchanged file

	// Rewritten in place (same inode), same size, old mtime restored.
	if err := os.WriteFile(path, []byte("sku,title,unit_price\nmug,Mug,1700\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, before.ModTime(), before.ModTime()); err != nil {
		t.Fatal(err)
	}
	if after, err := os.Stat(path); err != nil || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		t.Fatalf("the edit changed the file's size or mtime: %v, %v", after, err)
	}
	waitFor(t, "the new price", func() bool {
		return resolve(t, p, "usd", "mug")[0].UnitPrice == 1700
	})
}

// TestRacyFile checks git's "racy" rule alone, with the file's stat
// frozen as on a file system that keeps no inode or ctime and coarse
// mtimes: a file modified within racyWindow of its last read is read
// again at every poll, and picked up when its content changed; an older
// file is not read again while its stat is unchanged.
func TestRacyFile(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		age       time.Duration // of the file's mtime when it is loaded
		wantReads bool
	}{
		"recently modified": {age: 0, wantReads: true},
		"modified long ago": {age: time.Hour, wantReads: false},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, t.TempDir(), "products.csv", "sku,title,unit_price\nmug,Mug,1500\n")
			if tc.age > 0 {
				old := time.Now().Add(-tc.age)
				if err := os.Chtimes(path, old, old); err != nil {
					t.Fatal(err)
				}
			}
			frozen, err := statFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var reads atomic.Int64
			c := newFileCatalog(slog.New(slog.DiscardHandler))
			c.stat = func(string) (fileStat, error) { return frozen, nil }
			c.read = func(path string) ([]byte, error) {
				reads.Add(1)
				return readFile(path)
			}
			t.Cleanup(c.Close)
			p := acptest.New(t, c.serveOpts(), acptest.WithConfig(configFor(t, map[string]any{"path": path, "reload_interval": "10ms"})))
			if !tc.wantReads {
				time.Sleep(100 * time.Millisecond)
				if n := reads.Load(); n != 1 {
					t.Errorf("the file was read %d times, want once: its stat is unchanged and its mtime old", n)
				}
				return
			}
			if err := os.WriteFile(path, []byte("sku,title,unit_price\nmug,Mug,1700\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the new price", func() bool {
				return resolve(t, p, "usd", "mug")[0].UnitPrice == 1700
			})
		})
	}
}

// TestConcurrentConfigure checks that concurrent Configure calls leave a
// single watcher running, and Close none.
func TestConcurrentConfigure(t *testing.T) {
	t.Parallel()
	path := writeFile(t, t.TempDir(), "products.csv", "sku,title,unit_price\nmug,Mug,1500\n")
	cfg := []byte(configFor(t, map[string]any{"path": path, "reload_interval": "10ms"}))
	c := newFileCatalog(slog.New(slog.DiscardHandler))
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			if err := c.Configure(context.Background(), cfg); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	c.mu.Lock()
	running, stopped := c.stop != nil, c.stopped
	c.mu.Unlock()
	if !running {
		t.Fatal("no watcher running after concurrent Configure calls, want one")
	}
	c.Close()
	c.mu.Lock()
	running = c.stop != nil
	c.mu.Unlock()
	if running {
		t.Error("a watcher is still registered after Close")
	}
	select {
	case <-stopped:
	default:
		t.Error("the watcher has not ended after Close")
	}
}

// waitFor polls cond until it holds, failing the test after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
