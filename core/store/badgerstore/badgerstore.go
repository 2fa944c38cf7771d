package badgerstore

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/record"
)

// Key prefixes. Keys are "<prefix><id>".
const (
	sessionPrefix     = "session/"
	orderPrefix       = "order/"
	idempotencyPrefix = "idempotency/"
	paymentPrefix     = "order-by-payment/"
	inProgressPrefix  = "in-progress/"
	orderTimePrefix   = "order-by-time/"
	webhookPrefix     = "webhook/"
	webhookSeqKey     = "seq/webhook"
	failedPrefix      = "failed/"
	failedTimePrefix  = "failed-by-time/"
)

// valueThreshold is the value size from which values are kept in the value
// log rather than in the LSM tree.
const valueThreshold = 256

// maxConflictRetries bounds how often Update retries a transaction that
// lost an optimistic-concurrency race.
const maxConflictRetries = 16

// Options configure the store.
type Options struct {
	// Dir is the Badger directory; created when missing.
	Dir string
	// InMemory keeps everything in memory (tests only); Dir is ignored.
	InMemory bool
	// SessionRetention is how long a session is kept after its expiry
	// before Badger drops it. Orders are kept for ever.
	SessionRetention time.Duration
	// EncryptionKey, when set (16, 24 or 32 bytes), encrypts everything
	// Badger writes with AES.
	EncryptionKey []byte
	// Logger receives Badger's own warnings and errors.
	Logger *slog.Logger
	// LeaseClock is the clock the store's leases lapse by; time.Now when
	// nil (tests pass a fake one to let a lease lapse).
	LeaseClock func() time.Time
}

// Store is a Badger-backed store.Store.
type Store struct {
	db        *badger.DB
	eventSeq  *badger.Sequence
	retention time.Duration
	now       func() time.Time
	// stopSync ends the background flusher; syncDone closes when it has.
	stopSync  chan struct{}
	syncDone  chan struct{}
	closeOnce sync.Once
	closeErr  error
	// skus serialises stock changes per SKU (stock.go).
	skus skuLocks
	// leases are the store's leases (leases.go).
	leases *leaseTable
	// levels are the stock levels last read (stock.go).
	levels levelCache
}

// syncInterval is how often written data is flushed to disk in the
// background. Badger writes through memory-mapped files and leaves the
// flushing to the kernel, which lets dirty pages pile up until a file is
// rotated or the kernel throttles the writer: then every write waits for
// the disk for tens of milliseconds at once. Flushing a little every
// 100 ms keeps writes fast and steady (on tmpfs the stalls vanish, which is
// how they were traced to writeback), and narrows what an operating-system
// crash could lose (Badger does not sync each commit; a process crash
// loses nothing, the kernel holds the pages).
const syncInterval = 100 * time.Millisecond

// trimEvery is how many flushes apart the store hands back the pages of
// its older value-log files (trimLog): once a second.
const trimEvery = 10

// Interface guard.
var _ store.Store = (*Store)(nil)

// Open opens (or creates) the store.
func Open(opts Options) (*Store, error) {
	bopts := badger.DefaultOptions(opts.Dir).WithInMemory(opts.InMemory)
	if opts.InMemory {
		bopts = bopts.WithDir("").WithValueDir("")
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	bopts = bopts.WithLogger(badgerLogger{logger.With("component", "badger")}).
		// Sessions are small JSON documents; a smaller memtable keeps the
		// sidecar's resident memory modest.
		WithMemTableSize(16 << 20).
		WithNumVersionsToKeep(1)
	if !opts.InMemory {
		// Sessions, orders and idempotency records are kilobytes of JSON
		// written once or a few times and dropped by TTL. Kept in the
		// value log (Badger's key-value separation), they are written to
		// disk once; kept in the LSM tree, every compaction rewrites and
		// recompresses them, which cost about half the CPU of a 2-core
		// machine under load. The log's space is reclaimed by
		// CollectGarbage, in files small enough to rewrite often. (An
		// in-memory store has no value log: everything stays in the tree.)
		bopts = bopts.WithValueThreshold(valueThreshold).
			WithValueLogFileSize(16 << 20).
			// With the values in the value log, the LSM tree holds keys
			// and pointers only: a small block cache serves it, where
			// Badger's default (256 MB) would dominate the sidecar's
			// resident memory.
			WithBlockCacheSize(16 << 20).
			// For the same reason an 8 MB memtable holds as many entries
			// as a 16 MB one did with the values in it. Each memtable is
			// an arena of its size and a fifth more on the Go heap, one
			// being filled and the full ones waiting to be flushed: after
			// 100,000 creates the process's own memory was 72-79 MB with
			// 16 MB memtables and 53-54 MB with 8 MB ones, the create
			// rate the same within the shared machine's noise. A
			// transaction may hold up to 15 % of a memtable (1.2 MB of
			// keys, pointers and values under valueThreshold), far more
			// than any of the store's.
			WithMemTableSize(8 << 20)
	}
	if len(opts.EncryptionKey) > 0 {
		// Badger needs an index cache when encrypting.
		bopts = bopts.WithEncryptionKey(opts.EncryptionKey).WithIndexCacheSize(32 << 20)
	}
	db, err := badger.Open(bopts)
	if err != nil {
		return nil, fmt.Errorf("open badger store at %q: %w", opts.Dir, err)
	}
	seq, err := db.GetSequence([]byte(webhookSeqKey), 256)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open webhook sequence: %w", err)
	}
	leaseClock := opts.LeaseClock
	if leaseClock == nil {
		leaseClock = time.Now
	}
	s := &Store{db: db, eventSeq: seq, retention: opts.SessionRetention, now: time.Now, stopSync: make(chan struct{}), syncDone: make(chan struct{}),
		skus: skuLocks{seed: maphash.MakeSeed()}, leases: newLeaseTable(leaseClock)}
	dir := ""
	if !opts.InMemory {
		// The memory maps name files by their absolute, resolved paths.
		if dir, err = filepath.Abs(opts.Dir); err == nil {
			dir, err = filepath.EvalSymlinks(dir)
		}
		if err != nil {
			_ = seq.Release()
			_ = db.Close()
			return nil, fmt.Errorf("resolve the store's directory %q: %w", opts.Dir, err)
		}
	}
	go s.flush(logger, dir)
	return s, nil
}

// flush syncs written data to disk every syncInterval, and hands back the
// pages of the older value-log files in dir every trimEvery syncs, until
// Close.
func (s *Store) flush(logger *slog.Logger, dir string) {
	defer close(s.syncDone)
	if s.db.Opts().InMemory {
		return
	}
	ticker := time.NewTicker(syncInterval)
	defer ticker.Stop()
	var failing, trimFailed bool
	for tick := 1; ; tick++ {
		select {
		case <-s.stopSync:
			return
		case <-ticker.C:
			// A failure is logged when it starts and when it ends, not ten
			// times a second while the disk is full.
			err := s.db.Sync()
			switch {
			case err != nil && !failing:
				logger.Warn("flushing the store to disk failed; retrying every 100 ms", "error", err.Error())
			case err == nil && failing:
				logger.Info("flushing the store to disk works again")
			}
			failing = err != nil
			if tick%trimEvery != 0 || trimFailed {
				continue
			}
			// A kernel that cannot do it (MADV_PAGEOUT came with Linux
			// 5.4) will not learn it later: the store stops trying.
			if err := trimLog(dir, residentLog); err != nil {
				trimFailed = true
				logger.Warn("handing back the memory of the older value-log files failed; the store's resident memory will grow with its value log", "error", err.Error())
			}
		}
	}
}

// gcDiscardRatio is the share of a value-log file that must be garbage
// before CollectGarbage rewrites it (Badger's recommended value).
const gcDiscardRatio = 0.5

// CollectGarbage rewrites the value-log files that are mostly garbage
// (deleted, overwritten or expired entries) until none is left, giving the
// disk space back, and returns how many it rewrote. Badger drops expired
// sessions and idempotency records from its LSM tree as it compacts; this
// reclaims what they left in the value log. Run it on a schedule.
func (s *Store) CollectGarbage(ctx context.Context) (int, error) {
	rewritten := 0
	for ctx.Err() == nil {
		err := s.db.RunValueLogGC(gcDiscardRatio)
		switch {
		case err == nil:
			rewritten++
		case errors.Is(err, badger.ErrNoRewrite), errors.Is(err, badger.ErrRejected):
			return rewritten, nil
		default:
			return rewritten, fmt.Errorf("value-log garbage collection: %w", err)
		}
	}
	return rewritten, nil
}

// Close closes the database, flushing everything to disk.
// A second Close returns the first one's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stopSync)
		<-s.syncDone
		if err := s.eventSeq.Release(); err != nil {
			_ = s.db.Close()
			s.closeErr = fmt.Errorf("release webhook sequence: %w", err)
			return
		}
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("close badger store: %w", err)
		}
	})
	return s.closeErr
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(store.Reader) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(txn *badger.Txn) error {
		return fn(&tx{txn: txn, store: s, readOnly: true})
	})
}

// Update runs fn in a read-write transaction, retrying on conflicts after
// a short, jittered, growing pause, so that contending writers spread out.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.db.Update(func(txn *badger.Txn) error {
			return fn(&tx{txn: txn, store: s})
		})
		if !errors.Is(err, badger.ErrConflict) || attempt >= maxConflictRetries {
			return err
		}
		pause := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}

type tx struct {
	txn   *badger.Txn
	store *Store
	// stockSKUs are the SKUs whose stock this transaction may change: the
	// ones UpdateStock locked.
	stockSKUs []string
	// readOnly is set in a View: the transaction has no writes of its
	// own, so every value it reads is a committed one.
	readOnly bool
}

func (t *tx) Session(id string) (*model.Session, error) {
	return get(t, sessionPrefix+id, record.DecodeSession)
}

func (t *tx) Order(id string) (*model.Order, error) {
	return get(t, orderPrefix+id, record.DecodeOrder)
}

func (t *tx) PutSession(s *model.Session) error {
	value, err := sessionValue(s)
	if err != nil {
		return err
	}
	e := badger.NewEntry([]byte(sessionPrefix+s.ID), value)
	if t.store.retention > 0 {
		// Completed sessions are kept as long as open ones: the order
		// itself is stored separately and never expires.
		ttl := s.ExpiresAt.Add(t.store.retention).Sub(t.store.now())
		if ttl < time.Second {
			ttl = time.Second
		}
		e = e.WithTTL(ttl)
	}
	if err := t.txn.SetEntry(e); err != nil {
		return fmt.Errorf("store session %s: %w", s.ID, err)
	}
	// An index of the sessions whose payment outcome is unknown, for the
	// background reconciliation.
	marker := []byte(inProgressPrefix + s.ID)
	if s.Status == model.StatusCompleteInProgress {
		err = t.txn.Set(marker, nil)
	} else {
		err = t.txn.Delete(marker)
	}
	if err != nil {
		return fmt.Errorf("index session %s: %w", s.ID, err)
	}
	return nil
}

// sessionValue returns the value storing the session: its record sealed,
// the record's JSON written in a pooled buffer (valueBuffer).
func sessionValue(s *model.Session) ([]byte, error) {
	b := getValueBuffer()
	defer b.release()
	if err := record.WriteSession(&b.json, s); err != nil {
		return nil, fmt.Errorf("encode session %s: %w", s.ID, err)
	}
	return b.sealRecord(record.WriteFormat(s), b.json.Bytes()), nil
}

// SessionsInProgress lists the index of unresolved payments, after the
// id after.
func (t *tx) SessionsInProgress(after string, limit int) ([]string, error) {
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false
	opts.Prefix = []byte(inProgressPrefix)
	it := t.txn.NewIterator(opts)
	defer it.Close()
	it.Rewind()
	if after != "" {
		it.Seek([]byte(inProgressPrefix + after + "\x00"))
	}
	var ids []string
	for ; it.Valid() && len(ids) < limit; it.Next() {
		ids = append(ids, strings.TrimPrefix(string(it.Item().Key()), inProgressPrefix))
	}
	return ids, nil
}

func (t *tx) PutOrder(o *model.Order) error {
	if err := put(t, []byte(orderPrefix+o.ID), "order", o.ID, o, record.EncodeOrder); err != nil {
		return err
	}
	if o.PaymentID != "" {
		if err := t.txn.Set([]byte(paymentPrefix+o.PaymentID), []byte(o.ID)); err != nil {
			return fmt.Errorf("index order %s by payment: %w", o.ID, err)
		}
	}
	if err := t.txn.Set(orderTimeKey(o), nil); err != nil {
		return fmt.Errorf("index order %s by time: %w", o.ID, err)
	}
	return nil
}

// orderTimeKey sorts orders by creation time, then id.
func orderTimeKey(o *model.Order) []byte {
	return fmt.Appendf(nil, "%s%020d/%s", orderTimePrefix, o.CreatedAt.UnixNano(), o.ID)
}

// Orders walks the time index from the newest order backwards.
func (t *tx) Orders(after string, limit int) ([]*model.Order, error) {
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false
	opts.Reverse = true
	opts.Prefix = []byte(orderTimePrefix)
	it := t.txn.NewIterator(opts)
	defer it.Close()
	// A reverse iterator seeks to the largest key at or below the seek key.
	it.Seek([]byte(orderTimePrefix + "\xff"))
	if after != "" {
		o, err := t.Order(after)
		if err != nil {
			return nil, fmt.Errorf("orders after %s: %w", after, err)
		}
		key := orderTimeKey(o)
		for it.Seek(key); it.Valid() && string(it.Item().Key()) == string(key); it.Next() {
		}
	}
	var out []*model.Order
	for ; it.Valid() && len(out) < limit; it.Next() {
		key := string(it.Item().Key())
		o, err := t.Order(key[strings.LastIndexByte(key, '/')+1:])
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

func webhookKey(state string, seq uint64) []byte {
	return fmt.Appendf(nil, "%s%s/%016x", webhookPrefix, state, seq)
}

// PutWebhookEvent stores the event as JSON under its state and Seq.
func (t *tx) PutWebhookEvent(e *model.WebhookEvent) error {
	if e.Seq == 0 {
		// The sequence is handed out outside the transaction; rewriting
		// the order's record (as it is) makes every enqueue for one order
		// conflict with every other one in flight, so that a lower Seq of
		// an order never commits after a higher one.
		if err := t.touchOrder(e.OrderID); err != nil {
			return err
		}
		n, err := t.store.eventSeq.Next()
		if err != nil {
			return fmt.Errorf("next webhook sequence: %w", err)
		}
		// Badger sequences start at zero; zero means "unassigned" here.
		e.Seq = n + 1
	}
	return put(t, webhookKey(e.State, e.Seq), "webhook event", e.ID, e, record.EncodeWebhookEvent)
}

// touchOrder reads the order's record and writes it back unchanged: a
// write-conflict with any other transaction doing the same. An order that
// is not stored is left alone.
func (t *tx) touchOrder(id string) error {
	if id == "" {
		return nil
	}
	key := []byte(orderPrefix + id)
	item, err := t.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read order %s: %w", id, err)
	}
	val, err := item.ValueCopy(nil)
	if err != nil {
		return fmt.Errorf("read order %s: %w", id, err)
	}
	if err := t.txn.Set(key, val); err != nil {
		return fmt.Errorf("rewrite order %s: %w", id, err)
	}
	return nil
}

// DeleteWebhookEvent removes the event's key.
func (t *tx) DeleteWebhookEvent(e *model.WebhookEvent) error {
	if err := t.txn.Delete(webhookKey(e.State, e.Seq)); err != nil {
		return fmt.Errorf("delete webhook event %s: %w", e.ID, err)
	}
	return nil
}

// WebhookEvents iterates one state's events in Seq order.
func (t *tx) WebhookEvents(state string, afterSeq uint64, limit int) ([]*model.WebhookEvent, error) {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = []byte(webhookPrefix + state + "/")
	it := t.txn.NewIterator(opts)
	defer it.Close()
	var out []*model.WebhookEvent
	for it.Seek(webhookKey(state, afterSeq+1)); it.Valid() && len(out) < limit; it.Next() {
		var e *model.WebhookEvent
		err := it.Item().Value(func(val []byte) (err error) {
			e, err = decodeValue(val, record.DecodeWebhookEvent)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("decode webhook event %s: %w", it.Item().Key(), err)
		}
		out = append(out, e)
	}
	return out, nil
}

// OrderByPayment follows the payment index to the order.
func (t *tx) OrderByPayment(paymentID string) (*model.Order, error) {
	item, err := t.txn.Get([]byte(paymentPrefix + paymentID))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read payment index: %w", err)
	}
	id, err := item.ValueCopy(nil)
	if err != nil {
		return nil, fmt.Errorf("read payment index: %w", err)
	}
	return t.Order(string(id))
}

// IdempotencyRecord reads the record under key.
func (t *tx) IdempotencyRecord(key string) (*model.IdempotencyRecord, error) {
	item, err := t.txn.Get([]byte(idempotencyPrefix + key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read idempotency record: %w", err)
	}
	var r *model.IdempotencyRecord
	err = item.Value(func(val []byte) error {
		r, err = decodeIdempotency(val)
		return err
	})
	return r, err
}

// PutIdempotencyRecord stores the record with a Badger TTL at its expiry,
// so forgotten keys are collected without a sweeper.
func (t *tx) PutIdempotencyRecord(key string, r *model.IdempotencyRecord) error {
	data, err := encodeIdempotency(r)
	if err != nil {
		return err
	}
	ttl := r.ExpiresAt.Sub(t.store.now())
	if ttl < time.Second {
		ttl = time.Second
	}
	if err := t.txn.SetEntry(badger.NewEntry([]byte(idempotencyPrefix+key), data).WithTTL(ttl)); err != nil {
		return fmt.Errorf("store idempotency record: %w", err)
	}
	return nil
}

// put stores v under key as a record encoded with encode; what and id name
// it in errors.
func put[T any](t *tx, key []byte, what, id string, v *T, encode func(*T) ([]byte, error)) error {
	data, err := encode(v)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", what, id, err)
	}
	if err := t.txn.Set(key, sealRecord(record.WriteFormat(v), data)); err != nil {
		return fmt.Errorf("store %s %s: %w", what, id, err)
	}
	return nil
}

// get reads the record under key with decode.
func get[T any](t *tx, key string, decode func(format int, data []byte) (*T, error)) (*T, error) {
	item, err := getItem(t, key)
	if err != nil {
		return nil, err
	}
	return decodeItem(item, key, decode)
}

// getItem reads the item under key, for get.
func getItem(t *tx, key string) (*badger.Item, error) {
	item, err := t.txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return item, nil
}

// decodeItem decodes the record of item, under key, with decode, for get.
func decodeItem[T any](item *badger.Item, key string, decode func(format int, data []byte) (*T, error)) (*T, error) {
	var v *T
	err := item.Value(func(val []byte) (err error) {
		v, err = decodeValue(val, decode)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", key, err)
	}
	return v, nil
}

// decodeValue opens a value and decodes its record with decode.
func decodeValue[T any](val []byte, decode func(format int, data []byte) (*T, error)) (*T, error) {
	format, data, err := openRecord(val)
	if err != nil {
		return nil, err
	}
	return decode(format, data)
}

// badgerLogger adapts slog to Badger's logger, demoting its chatty info
// and debug lines to debug. A line is formatted only when its level is
// logged: Badger writes four debug lines for every batch of commits.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any)   { b.log(slog.LevelError, f, a) }
func (b badgerLogger) Warningf(f string, a ...any) { b.log(slog.LevelWarn, f, a) }
func (b badgerLogger) Infof(f string, a ...any)    { b.log(slog.LevelDebug, f, a) }
func (b badgerLogger) Debugf(f string, a ...any)   { b.log(slog.LevelDebug, f, a) }

func (b badgerLogger) log(level slog.Level, format string, args []any) {
	if ctx := context.Background(); b.l.Enabled(ctx, level) {
		b.l.Log(ctx, level, line(format, args))
	}
}

func line(format string, args []any) string {
	return strings.TrimSpace(fmt.Sprintf(format, args...))
}
