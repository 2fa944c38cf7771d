package feed

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/internal/feedtest"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// TestStatusAndMetrics: Status says which process publishes each target
// and what the store holds; the metrics count what happened.
func TestStatusAndMetrics(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	e := newEnv(t, st, products(3)...)
	e.opts.Targets = append(e.opts.Targets, Target{Name: "other", URL: e.srv.URL(), Token: testToken, Filter: Filter{ProductIDs: []string{"none"}}})
	reg := prometheus.NewRegistry()
	e.opts.Metrics = NewMetrics(reg)
	e.srv.Refuse(400, "p02")
	p := e.publisher()
	round(p)
	standby := e.publisher()
	round(standby)

	for _, tc := range []struct {
		p          *Publisher
		publishing bool
	}{{p, true}, {standby, false}} {
		got, err := tc.p.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Name != targetName || got[1].Name != "other" || got[0].URL != e.srv.URL() {
			t.Fatalf("Status = %+v", got)
		}
		for _, s := range got {
			// The other target has nothing to send: no feed is created.
			if s.Publishing != tc.publishing || s.State == nil || (s.State.FeedID == "") != (s.Name == "other") {
				t.Errorf("status of %s = %+v (state %+v), want publishing %v", s.Name, s, s.State, tc.publishing)
			}
		}
	}
	for _, c := range []struct {
		name string
		got  float64
		want float64
	}{
		// p01..p03 with p02 refused: the batch, its halves [p01] and
		// [p02 p03], then [p02] and [p03].
		{"accepted upserts", metric(t, reg, "upserts", targetName, outcomeAccepted), 2},
		{"refused upserts", metric(t, reg, "upserts", targetName, outcomeRefused), 3},
		{"products sent", metric(t, reg, "sent", targetName), 2},
		{"pending", metric(t, reg, "pending", targetName), 0},
		{"publishing", metric(t, reg, "publishing", targetName), 1},
		{"publishing the other target", metric(t, reg, "publishing", "other"), 1},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if metric(t, reg, "lastSuccess", targetName) <= 0 {
		t.Error("no last success time")
	}
	if NewMetrics(reg) == nil { // registering again shares the collectors
		t.Error("NewMetrics on the same registry")
	}
	var nilMetrics *Metrics
	nilMetrics.upsert(targetName, outcomeAccepted, 1, p.now())
	nilMetrics.setPending(targetName, 1)
	nilMetrics.setPublishing(targetName, true)

	// A change the platform fails: one product pending.
	e.listing.Edit("p01", func(p *catalog.Product) { p.Title = "Changed" })
	e.srv.FailNext(1, 503, 0)
	round(p)
	if got := metric(t, reg, "pending", targetName); got != 1 {
		t.Errorf("pending = %v, want 1", got)
	}
	p.targets[0].drop(context.Background())
	if metric(t, reg, "publishing", targetName) != 0 || metric(t, reg, "pending", targetName) != 0 {
		t.Error("publishing or pending still set after the lease was given up")
	}
}

// TestRefusedIDsBounded: the status lists the first 20 of the refused
// products' ids, sorted, and counts them all; none once this process no
// longer publishes the target.
func TestRefusedIDsBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newStore(t), products(25)...)
	var ids []string
	for i := 1; i <= 24; i++ {
		ids = append(ids, fmt.Sprintf("p%02d", i))
	}
	e.srv.Refuse(422, ids...)
	p := e.publisher()
	round(p)
	list, err := p.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := list[0]; got.Refused != 24 || !slices.Equal(got.RefusedIDs, ids[:20]) {
		t.Errorf("status = %d refused %v, want 24 and %v", got.Refused, got.RefusedIDs, ids[:20])
	}
	stopAll(p)
	if list, err = p.Status(context.Background()); err != nil || list[0].Refused != 0 || list[0].RefusedIDs != nil {
		t.Errorf("status once not publishing = %+v, %v", list[0], err)
	}
}

// TestFencing: a publisher whose lease another process took records
// nothing the platform accepted, and stops publishing.
func TestFencing(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, products(2)...)
		a := e.publisher()
		round(a)
		ta := a.targets[0]
		leases := e.st.Leases()
		if err := leases.Release(context.Background(), ta.s.lease.Lease()); err != nil {
			t.Fatal(err)
		}
		if _, _, ok, err := leases.TryAcquire(context.Background(), leaseName(targetName), time.Minute); err != nil || !ok {
			t.Fatalf("take the lease over: %v %v", ok, err)
		}
		before := e.accepted(targetName)["p01"]
		if ta.accept(context.Background(), []item{{id: "p01", body: []byte(`{"id":"p01","variants":[]}`), hash: "x"}}, "") {
			t.Error("accept recorded with the lease taken over")
		}
		if after := e.accepted(targetName)["p01"]; after.Hash != before.Hash {
			t.Errorf("the record of p01 changed to %+v", after)
		}
		if ta.publishing.Load() {
			t.Error("still publishing after the lease was lost")
		}
		e.listing.Edit("p02", func(p *catalog.Product) { p.Title = "Changed" })
		requests := e.srv.Requests()
		round(a)
		if e.srv.Requests() != requests {
			t.Error("a publisher without the lease sent requests")
		}
	})
}

// TestNewRefuses: options New cannot work with.
func TestNewRefuses(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	tests := map[string]Options{
		"no store":                    {Currency: "usd"},
		"no currency":                 {Store: st},
		"a bad currency":              {Store: st, Currency: "dollars"},
		"a nameless":                  {Store: st, Currency: "usd", Targets: []Target{{URL: "https://a.example"}}},
		"a name twice":                {Store: st, Currency: "usd", Targets: []Target{{Name: "a", URL: "https://a.example"}, {Name: "a", URL: "https://b.example"}}},
		"a URL not a URL":             {Store: st, Currency: "usd", Targets: []Target{{Name: "a", URL: "a.example"}}},
		"a URL not HTTP":              {Store: st, Currency: "usd", Targets: []Target{{Name: "a", URL: "ftp://a.example"}}},
		"a country in lower case":     {Store: st, Currency: "usd", Targets: []Target{{Name: "a", URL: "https://a.example", TargetCountry: "us"}}},
		"a country of three":          {Store: st, Currency: "usd", Targets: []Target{{Name: "a", URL: "https://a.example", TargetCountry: "USA"}}},
		"batches over 1000":           {Store: st, Currency: "usd", BatchSize: 1001},
		"a timeout of half the lease": {Store: st, Currency: "usd", Timeout: 15 * time.Second, LeaseTTL: 30 * time.Second},
		"a lease shorter than the default timeout": {Store: st, Currency: "usd", LeaseTTL: 45 * time.Second},
	}
	for name, opts := range tests {
		if _, err := New(opts); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	// The defaults fit together: the lease outlasts two requests.
	p, err := New(Options{Store: st, Currency: "usd", BatchSize: 1000, Targets: []Target{{Name: "a", URL: "https://a.example"}}})
	if err != nil || p.opts.Timeout != 30*time.Second || p.opts.LeaseTTL != 70*time.Second {
		t.Errorf("New with the defaults = %v; timeout %v, lease %v", err, p.opts.Timeout, p.opts.LeaseTTL)
	}
	if p, err := New(Options{Store: st, Currency: "usd", Timeout: time.Second}); err != nil || p.opts.LeaseTTL != 30*time.Second {
		t.Errorf("New with a short timeout = %v; lease %v, want 30s", err, p.opts.LeaseTTL)
	}
}

// TestExport: the exported files are the target's feed as the Feed API
// defines its files: metadata.json a FeedMetadata, products.jsonl one
// Product per line, by id, the filter applied.
func TestExport(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	e := newEnv(t, st, products(4)...)
	setStock(t, st, "p03-a", 0)
	round(e.publisher())
	feedID := e.feedID()
	v := acpschema.Feed(t, feedtest.Version)
	// The stock levels as a running server's merchant API gives them.
	remoteStock := func(context.Context) (map[string]int64, error) { return map[string]int64{"p03-a": 0}, nil }
	for _, tc := range []struct {
		name   string
		gzip   bool
		feedID string
		store  store.Store
		stock  StockLevels
		want   string
	}{
		{name: "recorded feed id", store: st, want: feedID},
		{name: "given feed id, gzipped", store: st, gzip: true, feedID: "feed_given", want: "feed_given"},
		{name: "no store, the stock levels given", stock: remoteStock, feedID: "feed_given", want: "feed_given"},
	} {
		dir := filepath.Join(t.TempDir(), "out")
		target := e.opts.Targets[0]
		target.Filter = Filter{ExcludeProductIDs: []string{"p04"}}
		n, err := Export(context.Background(), ExportOptions{
			Store: tc.store, Stock: tc.stock, Listing: e.listing, Currency: "usd", TrackStock: true,
			Target: target, FeedID: tc.feedID, Dir: dir, Gzip: tc.gzip, PageSize: 2,
		})
		if err != nil || n != 3 {
			t.Fatalf("%s: Export = %d, %v", tc.name, n, err)
		}
		meta, err := os.ReadFile(filepath.Join(dir, MetadataFile))
		if err != nil {
			t.Fatal(err)
		}
		v.Def(t, "FeedMetadata", meta)
		var m struct {
			ID            string `json:"id"`
			TargetCountry string `json:"target_country"`
		}
		if err := json.Unmarshal(meta, &m); err != nil {
			t.Fatal(err)
		}
		if m.ID != tc.want || m.TargetCountry != "US" {
			t.Errorf("%s: metadata %s, want id %s", tc.name, meta, tc.want)
		}
		name := ProductsFile
		if tc.gzip {
			name += ".gz"
		}
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = f
		if tc.gzip {
			if r, err = gzip.NewReader(f); err != nil {
				t.Fatal(err)
			}
		}
		var ids []string
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			line := sc.Bytes()
			v.Def(t, "Product", line)
			p := decode(t, line)
			ids = append(ids, p.ID)
			if p.ID == "p03" && p.Variants[0].Availability.Status != "out_of_stock" {
				t.Errorf("p03 exported as %s", line)
			}
		}
		f.Close()
		if !slices.Equal(ids, []string{"p01", "p02", "p03"}) {
			t.Errorf("%s: exported %v", tc.name, ids)
		}
		leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
		if len(leftovers) != 0 {
			t.Errorf("temporary files left: %v", leftovers)
		}
	}

	_, err := Export(context.Background(), ExportOptions{Store: st, Listing: e.listing, Currency: "usd", Target: Target{Name: "never"}, Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "no feed id") {
		t.Errorf("Export of a target never published = %v", err)
	}
	_, err = Export(context.Background(), ExportOptions{Store: st, Currency: "usd", FeedID: "f", Dir: t.TempDir()})
	if !errors.Is(err, errNoListing) {
		t.Errorf("Export without a listing = %v", err)
	}
	_, err = Export(context.Background(), ExportOptions{Listing: e.listing, Currency: "usd", Target: e.opts.Targets[0], Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "no feed id given") {
		t.Errorf("Export without a store or a feed id = %v", err)
	}
	_, err = Export(context.Background(), ExportOptions{Listing: e.listing, Currency: "usd", TrackStock: true, FeedID: "f", Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "no stock levels") {
		t.Errorf("Export controlling stock without a store or stock levels = %v", err)
	}
	_, err = Export(context.Background(), ExportOptions{Store: st, Listing: e.listing, Currency: "usd", FeedID: "f", Target: Target{TargetCountry: "usa"}, Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "target country") {
		t.Errorf("Export to a country not a country = %v", err)
	}

	// The products cannot be written (a folder is in their way): no
	// metadata.json announces them.
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ProductsFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Export(context.Background(), ExportOptions{Store: st, Listing: e.listing, Currency: "usd", FeedID: "f", Dir: dir}); err == nil {
		t.Error("Export over a folder succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, MetadataFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("metadata.json written without the products: %v", err)
	}
}

// TestExportReplacesFiles: exports one after the other into one folder
// leave the products file of the last one alone (a gzipped export
// removes products.jsonl, a plain one products.jsonl.gz), and every file
// is readable by all (0644), whatever mode temporary files get.
func TestExportReplacesFiles(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	e := newEnv(t, st, products(2)...)
	dir := t.TempDir()
	for i, gzipped := range []bool{false, true, false} {
		n, err := Export(context.Background(), ExportOptions{Store: st, Listing: e.listing, Currency: "usd", Target: e.opts.Targets[0], FeedID: "f", Dir: dir, Gzip: gzipped})
		if err != nil || n != 2 {
			t.Fatalf("export %d (gzip %v) = %d, %v", i, gzipped, n, err)
		}
		want := map[string]os.FileMode{MetadataFile: 0o644, ProductsFile: 0o644}
		if gzipped {
			want = map[string]os.FileMode{MetadataFile: 0o644, ProductsFile + ".gz": 0o644}
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]os.FileMode{}
		for _, entry := range entries {
			info, err := entry.Info()
			if err != nil {
				t.Fatal(err)
			}
			got[entry.Name()] = info.Mode().Perm()
		}
		if !maps.Equal(got, want) {
			t.Errorf("export %d (gzip %v): the folder holds %v, want %v", i, gzipped, got, want)
		}
	}
}

// metricNames are the metrics' names by their field in Metrics.
var metricNames = map[string]string{
	"upserts":     "acp_feed_upserts_total",
	"sent":        "acp_feed_products_sent_total",
	"pending":     "acp_feed_products_pending",
	"lastSuccess": "acp_feed_last_success_timestamp_seconds",
	"publishing":  "acp_feed_publishing",
	"panics":      "acp_feed_panics_total",
}

// metric returns the value of the series of the metric (by its field
// in Metrics) with the target (and the outcome, for upserts); -1 when
// there is none.
func metric(t *testing.T, reg *prometheus.Registry, field, target string, outcome ...string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != metricNames[field] {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["target"] != target || len(outcome) > 0 && labels["outcome"] != outcome[0] {
				continue
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return -1
}
