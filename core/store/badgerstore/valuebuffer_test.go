package badgerstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/s2"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/record"
)

// wantPacked is what pack appends, as the format is documented: data
// compressed with S2 behind compressedMark when it is at least
// minCompress long and that makes it shorter, data as it is otherwise.
func wantPacked(head, data []byte) []byte {
	out := bytes.Clone(head)
	if len(data) >= minCompress {
		if enc := s2.Encode(nil, data); 1+len(enc) < len(data) {
			return append(append(out, compressedMark), enc...)
		}
	}
	return append(out, data...)
}

// wantIdempotency is an idempotency record's value as the layout is
// documented (idempotency.go), written field by field.
func wantIdempotency(r *model.IdempotencyRecord) []byte {
	head := []byte{recordVersionPacked}
	head = binary.BigEndian.AppendUint16(head, uint16(r.Status))
	head = binary.BigEndian.AppendUint64(head, uint64(r.ExpiresAt.UnixNano()))
	head = append(head, byte(len(r.Fingerprint)))
	return wantPacked(append(head, r.Fingerprint...), r.Body)
}

// values are records of every size class a store writes: short ones
// stored as they are, sessions that compress, and data that does not.
func values() map[string][]byte {
	return map[string][]byte{
		"empty":          {},
		"short":          []byte(`{"id":"cs_1"}`),
		"just too short": []byte(strings.Repeat("a", minCompress-1)),
		"just long":      []byte(strings.Repeat("a", minCompress)),
		"a session":      mustMarshal(fixtureContent().sessions[1]),
		"incompressible": noise(4096),
		"large":          []byte(strings.Repeat(`{"id":"li_mug","quantity":2},`, 4000)),
	}
}

// TestValuesAsDocumented: the values made in pooled buffers are byte for
// byte the documented formats, the same bytes earlier releases wrote.
func TestValuesAsDocumented(t *testing.T) {
	t.Parallel()
	for name, data := range values() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// Twice, the second time in a buffer the first left behind.
			for range 2 {
				if got, want := sealRecord(record.CheckoutFormat, data), wantPacked([]byte{formatMark, record.CheckoutFormat}, data); !bytes.Equal(got, want) {
					t.Errorf("sealRecord = % x\nwant        % x", got, want)
				}
				r := &model.IdempotencyRecord{Status: 201, ExpiresAt: time.Unix(0, 1798000000123456789), Fingerprint: "2026-04-17:" + name, Body: data}
				got, err := encodeIdempotency(r)
				if err != nil {
					t.Fatal(err)
				}
				if want := wantIdempotency(r); !bytes.Equal(got, want) {
					t.Errorf("encodeIdempotency = % x\nwant              % x", got, want)
				}
			}
		})
	}
	sess := fixtureContent().sessions[1]
	data, err := record.EncodeSession(sess)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sessionValue(sess)
	if err != nil {
		t.Fatal(err)
	}
	if want := wantPacked([]byte{formatMark, byte(record.WriteFormat(sess))}, data); !bytes.Equal(got, want) {
		t.Errorf("sessionValue = % x\nwant % x", got, want)
	}
}

// TestValueBuffersNotShared makes values from many goroutines at once,
// keeps every one, and checks them all once every goroutine is done: a
// value sharing memory with a pooled buffer would by then have been
// overwritten by another value (and -race reports the shared writes).
func TestValueBuffersNotShared(t *testing.T) {
	t.Parallel()
	inputs := values()
	names := make([]string, 0, len(inputs))
	for name := range inputs {
		names = append(names, name)
	}
	const goroutines, rounds = 16, 50
	type made struct {
		data          []byte
		sealed, idemp []byte
		rec           *model.IdempotencyRecord
	}
	results := make([][]made, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range rounds {
				// Each value is distinct: its goroutine and round are in it.
				data := append(fmt.Appendf(nil, "%d/%d:", g, i), inputs[names[(g+i)%len(names)]]...)
				rec := &model.IdempotencyRecord{Status: 200 + g, ExpiresAt: time.Unix(0, int64(i)), Fingerprint: fmt.Sprint(g, i), Body: data}
				idemp, err := encodeIdempotency(rec)
				if err != nil {
					t.Error(err)
					return
				}
				results[g] = append(results[g], made{data: data, sealed: sealRecord(record.CheckoutFormat, data), idemp: idemp, rec: rec})
			}
		})
	}
	wg.Wait()
	for g, rs := range results {
		for i, m := range rs {
			if want := wantPacked([]byte{formatMark, record.CheckoutFormat}, m.data); !bytes.Equal(m.sealed, want) {
				t.Errorf("goroutine %d, round %d: the sealed value changed after it was made", g, i)
			}
			if want := wantIdempotency(m.rec); !bytes.Equal(m.idemp, want) {
				t.Errorf("goroutine %d, round %d: the idempotency record changed after it was made", g, i)
			}
		}
	}
}

// TestConcurrentCommits commits sessions and idempotency records from 16
// goroutines at once on a store on disk, each value made in a pooled
// buffer, and reads every one back: a value whose memory went back to the
// pool before its transaction committed would be stored with another's
// bytes.
func TestConcurrentCommits(t *testing.T) {
	t.Parallel()
	st, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	base := fixtureContent().sessions[1]
	const goroutines, rounds = 16, 12
	session := func(g, i int) *model.Session {
		s := *base
		s.ID = fmt.Sprintf("cs_%d_%d", g, i)
		s.Lines = append([]model.Line(nil), s.Lines...)
		s.Lines[0].Name = strings.Repeat(fmt.Sprintf("mug %d/%d ", g, i), 1+i)
		return &s
	}
	idempotency := func(s *model.Session) *model.IdempotencyRecord {
		return &model.IdempotencyRecord{Status: 201, ExpiresAt: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), Fingerprint: "fp-" + s.ID, Body: mustMarshal(s)}
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range rounds {
				s := session(g, i)
				err := st.Update(ctx, func(tx store.Tx) error {
					if err := tx.PutSession(s); err != nil {
						return err
					}
					return tx.PutIdempotencyRecord(s.ID, idempotency(s))
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	err = st.View(ctx, func(r store.Reader) error {
		for g := range goroutines {
			for i := range rounds {
				want := session(g, i)
				got, err := r.Session(want.ID)
				if err != nil {
					return err
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("session %s (-stored +read):\n%s", want.ID, diff)
				}
				rec, err := r.IdempotencyRecord(want.ID)
				if err != nil {
					return err
				}
				if diff := cmp.Diff(idempotency(want), rec); diff != "" {
					t.Errorf("idempotency record %s (-stored +read):\n%s", want.ID, diff)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
