package main

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/acp-sidecar/acp/core/store/pgstore"
	"github.com/acp-sidecar/acp/core/store/record"
)

// previousSchema is the newest migration the previous build knows: one
// fewer than this tree embeds.
const previousSchema = 2

// buildPreviousACP builds this tree's acp as the previous release: with
// pgstore.knownUpTo set, it knows the migrations up to previousSchema
// only (core/store/pgstore's package doc), and with record.readsUpTo set
// it reads the record formats up to record.Format-1 only (core/store/
// record's package doc), so that a release writing a checkout record the
// previous one cannot read fails this test.
func buildPreviousACP(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "acp-previous")
	ldflags := fmt.Sprintf("-s -w -X github.com/acp-sidecar/acp/core/store/pgstore.knownUpTo=%d -X github.com/acp-sidecar/acp/core/store/record.readsUpTo=%d", previousSchema, record.Format-1)
	cmd := exec.Command("go", "build", "-ldflags="+ldflags, "-o", bin, "./cmd/acp")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the previous acp: %v\n%s", err, out)
	}
	return bin
}

// TestRollingUpgrade runs a replica of this tree's acp (replica 0, the
// newest migration) beside one built without the newest migration nor
// the newest record format (replica 1, the previous release) on a
// database `acp migrate` of the new build migrated: an agent's checkouts
// alternate between the two, every body schema-valid (each replica reads
// the records the other wrote), and each order's order_create event
// arrives.
// Then a contract migration is simulated by writing the compatibility
// row as one would: the previous build refuses the database, asking to
// be upgraded, and the new one still migrates and serves.
func TestRollingUpgrade(t *testing.T) {
	t.Parallel()
	if pgstore.NewestSchema() <= previousSchema {
		t.Fatalf("this tree embeds migrations up to %d only; the previous build knows %d", pgstore.NewestSchema(), previousSchema)
	}
	const newReplica, oldReplica = 0, 1
	c := startReplicas(t, replicaOptions{sandbox: true, builds: []string{buildACP(t), buildPreviousACP(t)}})
	old := c.servers[oldReplica]

	// The previous build knows fewer migrations, and runs on the database
	// all the same: 00003 expands only.
	r := runBinary(t, old.bin, old.dir, c.env, "migrate", "--config", old.cfg, "--dry-run")
	if want := fmt.Sprintf("schema at version %d: no migration pending", pgstore.NewestSchema()); r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Fatalf("the previous build's migrate --dry-run: %s; want %q", r, want)
	}

	for _, tc := range []struct {
		name          string
		first, second int
	}{
		{"created on the previous build", oldReplica, newReplica},
		{"created on the new build", newReplica, oldReplica},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := fmt.Sprintf("rolling-%d", tc.first)
			id := crashJSONField(c.must(t, tc.first, http.MethodPost, "/checkout_sessions", key+"-create", "CheckoutSessionCreateRequest", replicaCreate, http.StatusCreated), "id")
			updated := c.must(t, tc.second, http.MethodPost, "/checkout_sessions/"+id, key+"-update", "CheckoutSessionUpdateRequest", replicaUpdate, http.StatusOK)
			if s := crashJSONField(updated, "status"); s != "ready_for_payment" {
				t.Fatalf("update answered %s: %s", s, updated)
			}
			done := c.must(t, tc.first, http.MethodPost, "/checkout_sessions/"+id+"/complete", key+"-complete", "CheckoutSessionCompleteRequest",
				replicaComplete("sandbox_card", "spt_ok_rolling_"+key), http.StatusOK)
			if crashJSONField(done, "status") != "completed" {
				t.Fatalf("complete answered %s", done)
			}
			got := c.must(t, tc.second, http.MethodGet, "/checkout_sessions/"+id, "", "", "", http.StatusOK)
			if !sameSession(t, got, done) {
				t.Errorf("replica %d: GET answers\n%s\nthe complete answered\n%s", tc.second, got, done)
			}
			o := c.oneOrder(t, tc.second, id)
			if s, _ := checkCrashSession(done, id); s.Order == nil || s.Order.ID != o.ID {
				t.Errorf("the session's order %+v, the merchant API's %s", s.Order, o.ID)
			}
			if n := len(c.ordersOf(t, tc.first, id)); n != 1 {
				t.Errorf("replica %d lists %d orders of session %s; want one", tc.first, n, id)
			}
		})
	}

	// A contract migration records that a release must know migration
	// NewestSchema to run on the database.
	setMinCompatible(t, strings.TrimPrefix(c.env[0], replicaDSNEnv+"="), pgstore.NewestSchema())
	upgrade := fmt.Sprintf("needs a release that knows migration %d, this one knows up to %d; upgrade this binary", pgstore.NewestSchema(), previousSchema)
	if r := runBinary(t, old.bin, old.dir, c.env, "migrate", "--config", old.cfg, "--dry-run"); r.code == 0 || !strings.Contains(r.stderr, upgrade) {
		t.Errorf("the previous build's migrate after the contract: %s; want refused with %q", r, upgrade)
	}
	old.stop(t)
	if err := old.start(t); err == nil || !strings.Contains(err.Error(), upgrade) {
		t.Errorf("the previous build's serve after the contract: %v; want refused with %q", err, upgrade)
	}

	cur := c.servers[newReplica]
	if r := runBinary(t, cur.bin, cur.dir, c.env, "migrate", "--config", cur.cfg, "--dry-run"); r.code != 0 {
		t.Errorf("the new build's migrate after the contract: %s", r)
	}
	cur.stop(t)
	if err := cur.start(t); err != nil {
		t.Fatalf("the new build's serve after the contract: %v", err)
	}
	id := crashJSONField(c.must(t, newReplica, http.MethodPost, "/checkout_sessions", "rolling-after", "CheckoutSessionCreateRequest", replicaCreate, http.StatusCreated), "id")
	c.must(t, newReplica, http.MethodGet, "/checkout_sessions/"+id, "", "", "", http.StatusOK)
}

// setMinCompatible writes the database's compatibility row as a contract
// migration does.
func setMinCompatible(t *testing.T, dsn string, v int64) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "UPDATE acp.acp_schema_compat SET min_compatible = $1", v); err != nil {
		t.Fatal(err)
	}
}
