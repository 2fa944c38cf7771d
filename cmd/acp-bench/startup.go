package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/acp-sidecar/acp/core/idempotency"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/internal/loadgen"
)

// demoAgent is the name of demoToken's agent in acp.yaml.
const demoAgent = "demo-agent"

// seedBatch is how many sessions one seeding transaction writes, and
// seedWriters how many transactions run at once.
const (
	seedBatch   = 200
	seedWriters = 4
)

// startup measures how long `acp serve` takes from exec until /readyz
// answers 200, on an empty store and on one holding b.startSessions
// sessions, each as a create leaves it: the session and the idempotency
// record of its answer, copies of one the demo store created, written
// through the store's own API.
func (b *bench) startup() error {
	step("a session for the start-up measurement to copy")
	seeded, sess, rec, err := b.sessionToCopy()
	if err != nil {
		return err
	}
	step(fmt.Sprintf("seeding %d sessions", b.startSessions))
	began := time.Now()
	if err := seedSessions(seeded, sess, rec, b.startSessions); err != nil {
		return err
	}
	took := time.Since(began)
	// Gigabytes just written are still being written back: the first
	// start would wait for the disk behind them, as nothing does when a
	// server is restarted in the ordinary course.
	syscall.Sync()
	disk, err := diskUsage(seeded)
	if err != nil {
		return err
	}
	var empty, full, ratio series
	for round := range b.startRounds {
		step(fmt.Sprintf("start-up, round %d of %d", round+1, b.startRounds))
		var e, f time.Duration
		// The empty and the seeded start take turns going first.
		for i := range 2 {
			var s *server
			if (i+round)%2 == 0 {
				if s, err = b.startServer(fmt.Sprintf("empty-%d", round), "acp.yaml", "", false, false, ""); err != nil {
					return err
				}
				e = s.ready
			} else {
				if s, err = b.startServer("seeded", "acp.yaml", "", false, false, ""); err != nil {
					return err
				}
				f = s.ready
			}
			if err := b.stop(s); err != nil {
				return err
			}
		}
		step(fmt.Sprintf("start-up: empty %s, seeded %s", e.Round(time.Millisecond), f.Round(time.Millisecond)))
		empty = append(empty, seconds(e)*1000)
		full = append(full, seconds(f)*1000)
		ratio = append(ratio, seconds(f)/seconds(e))
	}
	b.printf("### Start-up with %d stored sessions (%s)\n\n", b.startSessions, plural(b.startRounds, "round"))
	b.printf("From the exec of `acp serve` until its `/readyz` answers 200 (polled every %s), on an empty store and on one holding %d sessions as creates leave them (the session and the idempotency record of its answer, copies of one the demo store created), seeded through the store's API in %s (%.0f MB on disk), then written back to disk (sync(2)) before the first start. Each round starts both, in turns.\n\n",
		readyPoll, b.startSessions, took.Round(time.Second), mb(disk))
	b.printf("| Measure | Value |\n|---|---|\n")
	b.printf("| start-up, empty store | %s ms |\n", empty.format(0))
	b.printf("| start-up, %d sessions | %s ms |\n", b.startSessions, full.format(0))
	b.printf("| seeded / empty | %s |\n\n", ratio.format(2))
	b.meet(startupTarget(ratio, empty, full, b.startSessions))
	return nil
}

// startupTarget judges the seeded / empty start-up ratios of the rounds
// by their median; the target wants 1,000,000 stored sessions.
func startupTarget(ratio, empty, full series, sessions int) target {
	measured := fmt.Sprintf("%s × (%s ms against %s ms; the slowest round in brackets), %d sessions", ratio.format(2), full.format(0), empty.format(0), sessions)
	if sessions < 1_000_000 {
		measured += ": fewer than 1,000,000 sessions, no verdict"
	}
	return target{"startup", goalStartup, measured, ratio.median() <= 5 && sessions >= 1_000_000}
}

func seconds(d time.Duration) float64 { return d.Seconds() }

// sessionToCopy starts a demo store, creates one session on it over HTTP,
// stops it and reads back what the create stored: the session and the
// idempotency record of its answer under its scoped key. It returns the
// store's directory too, which the seeding fills.
func (b *bench) sessionToCopy() (string, *model.Session, *model.IdempotencyRecord, error) {
	s, err := b.startServer("seeded", "acp.yaml", "", false, false, "")
	if err != nil {
		return "", nil, nil, err
	}
	cfg, err := loadgen.Config{Target: s.url, Requests: 1}.WithDefaults()
	if err != nil {
		return "", nil, nil, err
	}
	body, err := cfg.CreateBody()
	if err != nil {
		return "", nil, nil, err
	}
	const key = "acp-bench-template"
	req, err := http.NewRequest(http.MethodPost, s.url+"/checkout_sessions", bytes.NewReader(body))
	if err != nil {
		return "", nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("API-Version", cfg.APIVersion)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", nil, nil, err
	}
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		return "", nil, nil, fmt.Errorf("create a session to copy: %s, %v: %s", resp.Status, err, answer)
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(answer, &created); err != nil || created.ID == "" {
		return "", nil, nil, fmt.Errorf("create a session to copy: no id in %s", answer)
	}
	if err := b.stop(s); err != nil {
		return "", nil, nil, err
	}
	st, err := badgerstore.Open(badgerstore.Options{Dir: s.data})
	if err != nil {
		return "", nil, nil, err
	}
	defer st.Close()
	var sess *model.Session
	var rec *model.IdempotencyRecord
	err = st.View(context.Background(), func(r store.Reader) error {
		var err error
		if sess, err = r.Session(created.ID); err != nil {
			return fmt.Errorf("read the session to copy: %w", err)
		}
		if rec, err = r.IdempotencyRecord(idempotency.ScopedKey(demoAgent, "/checkout_sessions", key)); err != nil {
			return fmt.Errorf("read the idempotency record to copy: %w", err)
		}
		return nil
	})
	return s.data, sess, rec, err
}

// seedSessions writes n copies of sess and rec into the Badger store at
// dir, each under its own session id and idempotency key, through the
// store's API, in transactions of seedBatch from seedWriters writers.
func seedSessions(dir string, sess *model.Session, rec *model.IdempotencyRecord, n int) error {
	st, err := badgerstore.Open(badgerstore.Options{Dir: dir})
	if err != nil {
		return err
	}
	batches := make(chan int)
	errs := make(chan error, seedWriters)
	var wg sync.WaitGroup
	for range seedWriters {
		wg.Go(func() {
			for first := range batches {
				err := st.Update(context.Background(), func(tx store.Tx) error {
					for i := first; i < min(first+seedBatch, n); i++ {
						id := "cs_seed_" + strconv.Itoa(i)
						s := *sess
						s.ID = id
						if err := tx.PutSession(&s); err != nil {
							return err
						}
						r := *rec
						r.Body = bytes.ReplaceAll(rec.Body, []byte(sess.ID), []byte(id))
						if err := tx.PutIdempotencyRecord(idempotency.ScopedKey(demoAgent, "/checkout_sessions", id), &r); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					errs <- fmt.Errorf("seed sessions from %d: %w", first, err)
					// Drain the rest so that the feeder does not block.
					for range batches {
					}
					return
				}
			}
		})
	}
	for first := 0; first < n; first += seedBatch {
		batches <- first
	}
	close(batches)
	wg.Wait()
	close(errs)
	closeErr := st.Close()
	if err := <-errs; err != nil {
		return err
	}
	return closeErr
}
