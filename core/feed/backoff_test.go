package feed

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/internal/feedtest"
)

// TestBackoffAcrossRestart: a process taking a target's lease for the
// first time since it started does not wait for the back-off another
// (an earlier run, before a credential was fixed) recorded; within a
// process, the back-off holds.
func TestBackoffAcrossRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newStore(t), products(2)...)
	e.srv.SetMode(feedtest.Unavailable)
	first := e.publisher()
	start := time.Now()
	round(first)
	if rec := e.record(targetName); rec.Failures != 1 || rec.NextAttemptAt.Before(start.Add(30*time.Minute)) {
		t.Fatalf("record = %+v, want a back-off", rec)
	}
	e.srv.SetMode(feedtest.Serving)
	requests := e.srv.Requests()
	round(first)
	if e.srv.Requests() != requests {
		t.Fatal("the process sent during its back-off")
	}
	stopAll(first)
	round(e.publisher())
	if got := e.sentIDs(0); !slices.Equal(got, []string{"p01", "p02"}) {
		t.Errorf("the restarted process sent %v, want every product at once", got)
	}
	if rec := e.record(targetName); rec.Failures != 0 || !rec.NextAttemptAt.IsZero() {
		t.Errorf("record = %+v, want the back-off gone", rec)
	}
}

// TestPushClearsBackoff: a full publish asked for after the last failure
// goes at the next round, whatever the back-off; one that fails in turn
// is behind the back-off again.
func TestPushClearsBackoff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newStore(t), products(2)...)
	e.srv.SetMode(feedtest.Unavailable)
	p := e.publisher()
	round(p)
	requests := e.srv.Requests()
	e.srv.SetMode(feedtest.Serving)
	// A restart would not wait: a lease taken again does.
	stopAll(p)
	round(p)
	if e.srv.Requests() != requests {
		t.Fatal("a lease taken again did not wait for the back-off")
	}
	if err := RequestPush(context.Background(), e.st, targetName); err != nil {
		t.Fatal(err)
	}
	round(p)
	if got := e.sentIDs(0); !slices.Equal(got, []string{"p01", "p02"}) {
		t.Fatalf("the push sent %v, want every product", got)
	}
	e.srv.SetMode(feedtest.Unavailable)
	if err := RequestPush(context.Background(), e.st, targetName); err != nil {
		t.Fatal(err)
	}
	round(p)
	requests = e.srv.Requests()
	round(p)
	if e.srv.Requests() != requests {
		t.Error("a push that failed did not wait for the back-off")
	}
}

// TestRefusedCredential: a 401 or 403 is logged at Error as a refused
// credential, naming its environment variable and header (never the
// token) and saying a restart applies a fixed one; the status says so.
func TestRefusedCredential(t *testing.T) {
	t.Parallel()
	for _, status := range []int{401, 403} {
		e := newEnv(t, newStore(t), products(1)...)
		e.opts.Targets[0].Token, e.opts.Targets[0].TokenEnv = "wrong-"+testToken, "ACP_FEED_TOKEN"
		if status == 403 {
			e.srv.FailNext(1, status, 0)
			e.opts.Targets[0].Token = testToken
		}
		round(e.publisher())
		rec := e.record(targetName)
		if rec.LastStatus != status || !strings.Contains(rec.LastError, "refused the credential") || !strings.Contains(rec.LastError, "ACP_FEED_TOKEN") || !strings.Contains(rec.LastError, "restart") {
			t.Errorf("HTTP %d: record = %+v", status, rec)
		}
		logs := e.logs.String()
		if !strings.Contains(logs, `"level":"ERROR","msg":"the feed platform refused the credential`) || !strings.Contains(logs, `"token_env":"ACP_FEED_TOKEN","header":"Authorization"`) {
			t.Errorf("HTTP %d: log:\n%s", status, logs)
		}
		if strings.Contains(logs, "wrong-") {
			t.Errorf("HTTP %d: the log holds the token:\n%s", status, logs)
		}
	}
}

// TestPrivateAddress: a platform whose host name resolves to a loopback
// address, while private networks are not allowed, fails with the key
// that allows them in the log and the status; no status 0 is logged.
func TestPrivateAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newStore(t), products(1)...)
	e.opts.AllowPrivateNetworks = false
	e.opts.Targets[0].URL = strings.Replace(e.srv.URL(), "127.0.0.1", "localhost", 1)
	round(e.publisher())
	if rec := e.record(targetName); !strings.Contains(rec.LastError, "feed_publishing.allow_private_networks") || e.srv.Requests() != 0 {
		t.Errorf("record = %+v; %d requests", rec, e.srv.Requests())
	}
	if logs := e.logs.String(); !strings.Contains(logs, "feed_publishing.allow_private_networks") || strings.Contains(logs, `"status":0`) {
		t.Errorf("log:\n%s", logs)
	}
}
