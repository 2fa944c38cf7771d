package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/acp-sidecar/acp/core/internal/outbound"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/signature"
	"github.com/acp-sidecar/acp/core/store"
)

// What New takes for a Target's or the Options' fields that are zero (or
// negative), which would otherwise dead-letter at once, retry without a
// pause, deliver nothing or poll without a pause.
const (
	defaultMaxAttempts    = 20
	defaultMaxAge         = 72 * time.Hour
	defaultInitialBackoff = time.Second
	defaultMaxBackoff     = time.Hour
	defaultWorkers        = 4
	defaultPollInterval   = 5 * time.Second
)

// targetGoneMessage is the LastError of an event whose target is no longer
// in the configuration.
const targetGoneMessage = "webhook target no longer configured"

const (
	// permanentAttempts is how often a non-retryable answer (3xx, most
	// 4xx) is tried before the event is dead-lettered.
	permanentAttempts = 3
	// pageSize is how many pending events one read returns.
	pageSize = 256
	// maxResponseBody bounds what is read of a receiver's answer.
	maxResponseBody = 64 << 10
	// deadRefresh is how often the dead-event gauge is recounted from the
	// store when the deliverer dead-lettered nothing (an operator may have
	// deleted or re-queued dead events).
	deadRefresh = 30 * time.Second
	// userAgent is sent with every delivery.
	userAgent = "acp-sidecar"
	// queueLease is how long a worker holds a queue's lease between two
	// renewals: how long other processes wait for a queue whose worker's
	// process died. A live worker renews it every third of that, however
	// slow the receiver.
	queueLease = 30 * time.Second
)

// Target is one webhook receiver of an agent, and how its deliveries
// are signed. Events name their target by (Agent, Name).
//
// An ACP target (UCP nil) is one of the agent's webhooks in acp.yaml:
// its events go to URL, signed with Secret. A UCP target (UCP set; Name
// model.TargetUCP) is the agent's platforms' order webhook: its events
// (Protocol model.ProtocolUCP) each go to their own URL, signed with
// RFC 9421.
type Target struct {
	// Agent is the agent the target belongs to.
	Agent string
	// Name is the target's name within the agent.
	Name string
	// URL is an ACP receiver's endpoint (config validates it at load;
	// the client checks every address it dials).
	URL string
	// Secret is an ACP target's HMAC key for the Merchant-Signature
	// header.
	Secret []byte
	// UCP, when set, makes the target a UCP one.
	UCP *UCPSigning
	// MaxAttempts is how many attempts an event gets before it is
	// dead-lettered; 20 when zero.
	MaxAttempts int
	// MaxAge dead-letters an event that fails when it is older than
	// this (counted from its CreatedAt); 72h when zero. An
	// event older than MaxAge still gets one attempt.
	MaxAge time.Duration
}

// UCPSigning is how a UCP target's deliveries are signed and whom they
// name as their sender (order.md, "Order Event Webhook").
type UCPSigning struct {
	// Signer signs each request with the business's key.
	Signer RequestSigner
	// Profile is the business's profile URL (its /.well-known/ucp),
	// sent in UCP-Agent.
	Profile string
}

// RequestSigner signs an outgoing request with an RFC 9421 signature
// created at created, adding Content-Digest: the components UCP
// prescribes, then each header of also that the request has.
// *httpsig.Signer implements it.
type RequestSigner interface {
	SignRequest(r *http.Request, body []byte, created time.Time, also ...string) error
}

// Options configure a Deliverer. Only Store is required.
type Options struct {
	// Store holds the outbox.
	Store store.Store
	// Targets are the configured receivers.
	Targets []Target
	// Client sends the requests; NewClient with AllowPrivateNetworks
	// when nil.
	Client *http.Client
	// AllowPrivateNetworks is the Client's ClientOptions.AllowPrivateNetworks
	// (webhook_delivery.allow_private_networks): a UCP event's URL may
	// then be plain http. Without it, it must be https.
	AllowPrivateNetworks bool
	// Logger receives failures (warn) and deliveries (debug);
	// slog.Default() when nil.
	Logger *slog.Logger
	// Metrics, when not nil, records the deliverer's metrics; give each
	// Deliverer its own.
	Metrics *Metrics
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// InitialBackoff is the pause after a first failed attempt; it
	// doubles with each further attempt up to MaxBackoff, and each pause
	// is jittered between half and all of it. 1s when zero.
	InitialBackoff time.Duration
	// MaxBackoff caps the pause between attempts, including one asked
	// for with Retry-After; 1h when zero, and at least InitialBackoff.
	MaxBackoff time.Duration
	// Workers bounds the deliveries in flight; 4 when zero.
	Workers int
	// PollInterval is the longest the deliverer sleeps before it reads
	// the outbox again; 5s when zero.
	PollInterval time.Duration
}

// Deliverer delivers the pending events of the outbox. Several processes
// sharing a store each run one: a worker takes the store's lease on a
// queue (one agent, target and order) before it sends any of its events
// and skips a queue another process holds, so that a queue is delivered
// by one process at a time, in order. Run one Deliverer per process.
type Deliverer struct {
	store          store.Store
	targets        map[labelKey]Target
	client         *http.Client
	allowPrivate   bool
	log            *slog.Logger
	metrics        *Metrics
	now            func() time.Time
	initialBackoff time.Duration
	maxBackoff     time.Duration
	workers        int
	poll           time.Duration
	wake           chan struct{}
	// jitter returns a random number in [0, n).
	jitter func(n int64) int64
	// queueLease is how long a worker holds a queue's lease between two
	// renewals (the queueLease constant; tests shorten it).
	queueLease time.Duration

	// deadCounted is when the dead events were last counted, and
	// deadStale is set when a worker dead-lettered an event since; both
	// are owned by Run's goroutine, the only one that sets the gauges.
	deadCounted time.Time
	deadStale   bool
}

// New returns a Deliverer; zero options take the defaults documented on
// Options and Target.
func New(opts Options) *Deliverer {
	d := &Deliverer{
		queueLease:     queueLease,
		store:          opts.Store,
		targets:        make(map[labelKey]Target, len(opts.Targets)),
		client:         opts.Client,
		allowPrivate:   opts.AllowPrivateNetworks,
		log:            opts.Logger,
		metrics:        opts.Metrics,
		now:            opts.Now,
		initialBackoff: opts.InitialBackoff,
		maxBackoff:     opts.MaxBackoff,
		workers:        opts.Workers,
		poll:           opts.PollInterval,
		wake:           make(chan struct{}, 1),
		jitter:         rand.Int64N,
	}
	for _, t := range opts.Targets {
		if t.MaxAttempts <= 0 {
			t.MaxAttempts = defaultMaxAttempts
		}
		if t.MaxAge <= 0 {
			t.MaxAge = defaultMaxAge
		}
		d.targets[labelKey{t.Agent, t.Name}] = t
	}
	if d.client == nil {
		d.client = NewClient(ClientOptions{AllowPrivateNetworks: d.allowPrivate})
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.initialBackoff <= 0 {
		d.initialBackoff = defaultInitialBackoff
	}
	if d.maxBackoff <= 0 {
		d.maxBackoff = defaultMaxBackoff
	}
	d.maxBackoff = max(d.maxBackoff, d.initialBackoff)
	if d.workers <= 0 {
		d.workers = defaultWorkers
	}
	if d.poll <= 0 {
		d.poll = defaultPollInterval
	}
	return d
}

// Notify wakes the deliverer to read the outbox now; call it after
// committing new events. It never blocks.
func (d *Deliverer) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// queue is one (agent, target, order) sequence of pending events as read
// in one scan.
type queue struct {
	key     string
	orderID string
	// seqs are the queue's events in delivery order.
	seqs []uint64
	// next is when the head event is due.
	next time.Time
}

// report is what a worker tells Run when it is done with a queue.
type report struct {
	key string
	// next is when the queue's head is due again, when the worker stopped
	// at an event that stays pending (not due yet, failed, or a store
	// error); zero when it went through all of its events.
	next time.Time
	// deadLettered is set when the worker dead-lettered an event.
	deadLettered bool
}

// Run delivers events until ctx is done, then waits for the deliveries
// in flight to end and returns nil. An attempt cut short by ctx is not
// recorded; its event is tried again by the next Run. Errors reading the
// store are logged and retried after PollInterval. Call Run once, and
// close the store only after it returned.
//
// Run reads the whole outbox (a scan) at the start, on Notify, when a
// queue's head comes due or PollInterval has passed since the last scan,
// and when every worker is idle with nothing left to hand out. In
// between, a finished worker is replaced with the next due queue of the
// last scan; workers re-read each event before they send it.
func (d *Deliverer) Run(ctx context.Context) error {
	if d.store == nil {
		return errors.New("webhook deliverer: no store")
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	var (
		// busy maps the key of every queue in flight to the last Seq its
		// worker was given. Only this goroutine touches it, so a queue is
		// never handed to two workers.
		busy = make(map[string]uint64)
		done = make(chan report, d.workers)
		// todo are the last scan's queues not handed out yet, in the
		// order of their heads. One whose key is busy holds the events
		// that arrived behind its worker's: it waits for the worker.
		todo []*queue
		// scanned is when the last scan began.
		scanned time.Time
		// wakeAt is the earliest next of the reports since the last
		// scan: those queues are in no scan yet.
		wakeAt time.Time
		rescan = true
	)
	finish := func(r report) {
		delete(busy, r.key)
		if r.deadLettered {
			d.deadStale = true
		}
		if r.next.IsZero() {
			return
		}
		// The head stays pending: what was read behind it must not
		// overtake it, so the whole queue waits for a scan.
		todo = slices.DeleteFunc(todo, func(q *queue) bool { return q.key == r.key })
		if wakeAt.IsZero() || r.next.Before(wakeAt) {
			wakeAt = r.next
		}
	}
	for {
		if ctx.Err() != nil {
			return nil
		}
		if rescan {
			rescan = false
			scanned, wakeAt = d.now(), time.Time{}
			var err error
			todo, err = d.scan(ctx, busy)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				d.log.Error("reading the webhook outbox", "error", err.Error())
			}
		}
		now := d.now()
		due := scanned.Add(d.poll)
		if !wakeAt.IsZero() {
			due = earlier(due, wakeAt)
		}
		kept := todo[:0]
		for _, q := range todo {
			_, behind := busy[q.key]
			switch {
			case behind:
				kept = append(kept, q)
			case q.next.After(now):
				due = earlier(due, q.next)
				kept = append(kept, q)
			case len(busy) >= d.workers:
				// Due, but every worker is taken: a done hands it out.
				kept = append(kept, q)
			default:
				busy[q.key] = q.seqs[len(q.seqs)-1]
				wg.Add(1)
				go func() {
					defer wg.Done()
					done <- d.work(ctx, q)
				}()
			}
		}
		clear(todo[len(kept):])
		todo = kept
		timer := time.NewTimer(max(due.Sub(now), time.Millisecond))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
			rescan = true
		case <-d.wake:
			rescan = true
		case r := <-done:
			finish(r)
		}
		timer.Stop()
		// Take every other finished queue before handing out more.
	drain:
		for {
			select {
			case r := <-done:
				finish(r)
			default:
				break drain
			}
		}
		if len(busy) == 0 && len(todo) == 0 && wakeAt.IsZero() {
			// Idle, and every queue went through as far as the workers
			// knew: look for what came meanwhile and refresh the gauges.
			rescan = true
		}
	}
}

// earlier returns the earlier of a and b.
func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// scan reads every pending event in Seq order and groups them into
// queues, in the order of their heads, leaving out the events already
// handed to a worker: busy maps a queue's key to the last Seq its worker
// has. It refreshes the gauges; the dead events are recounted when an
// event was dead-lettered since the last count, or deadRefresh after it.
func (d *Deliverer) scan(ctx context.Context, busy map[string]uint64) ([]*queue, error) {
	byKey := make(map[string]*queue)
	var queues []*queue
	counts := d.zeroCounts()
	err := d.forEach(ctx, model.EventPending, func(e *model.WebhookEvent) {
		counts[labelKey{e.Agent, e.Target}]++
		key := e.QueueKey()
		if last, ok := busy[key]; ok && e.Seq <= last {
			return
		}
		q := byKey[key]
		if q == nil {
			q = &queue{key: key, orderID: e.OrderID, next: e.NextAttemptAt}
			byKey[key] = q
			queues = append(queues, q)
		}
		q.seqs = append(q.seqs, e.Seq)
	})
	if err != nil {
		return queues, err
	}
	d.metrics.setQueued(counts)
	if d.metrics != nil && (d.deadStale || d.now().Sub(d.deadCounted) >= deadRefresh) {
		if err := d.countDead(ctx); err != nil {
			d.log.Warn("counting dead webhook events", "error", err.Error())
		}
	}
	return queues, nil
}

// countDead recounts the dead events for the gauge.
func (d *Deliverer) countDead(ctx context.Context) error {
	counts := d.zeroCounts()
	err := d.forEach(ctx, model.EventDead, func(e *model.WebhookEvent) { counts[labelKey{e.Agent, e.Target}]++ })
	if err != nil {
		return err
	}
	d.metrics.setDead(counts)
	d.deadCounted, d.deadStale = d.now(), false
	return nil
}

// zeroCounts is a count of zero for every configured target, so that the
// gauges show every configured target from the first scan on, also one
// that never had an event. (Metrics zeroes a label that had events once
// they are gone.)
func (d *Deliverer) zeroCounts() map[labelKey]int {
	counts := make(map[labelKey]int, len(d.targets))
	for k := range d.targets {
		counts[k] = 0
	}
	return counts
}

// forEach calls fn on every event in state, in Seq order, reading page
// after page in one read transaction: one snapshot, so that a later page
// never shows an order's event whose lower Seq committed after an earlier
// page was read (and so is in no page). Should the store run the read
// again, it goes on after the last event fn was given.
func (d *Deliverer) forEach(ctx context.Context, state string, fn func(*model.WebhookEvent)) error {
	var after uint64
	err := d.store.View(ctx, func(r store.Reader) error {
		for {
			page, err := r.WebhookEvents(state, after, pageSize)
			if err != nil {
				return err
			}
			for _, e := range page {
				fn(e)
				after = e.Seq
			}
			if len(page) < pageSize {
				return nil
			}
		}
	})
	if err != nil {
		return fmt.Errorf("read %s webhook events after seq %d: %w", state, after, err)
	}
	return nil
}

// work delivers q's events one after the other while they are due and
// each one leaves the queue (delivered or dead-lettered), and reports how
// far it got.
//
// It first takes the queue's lease, which keeps every other process
// sharing the store (each with its own Deliverer) off the queue while this
// worker has it; a queue whose lease another process holds is skipped and
// looked at again when that lease would lapse, or at the next poll. Each
// event is read again once the lease is held, so what another process
// delivered meanwhile is not sent again.
func (d *Deliverer) work(ctx context.Context, q *queue) report {
	r := report{key: q.key}
	leases := d.store.Leases()
	l, wait, ok, err := leases.TryAcquire(ctx, queueLeaseName(q.key), d.queueLease)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			d.log.Error("taking a webhook queue", "order_id", q.orderID, "error", err.Error())
		}
		r.next = d.now().Add(d.poll)
		return r
	case !ok:
		r.next = d.now().Add(min(wait, d.poll))
		return r
	}
	// A lease lost while an event is being sent cancels the send: another
	// process may already have delivered it and the ones after it.
	sending, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	held := store.Keep(leases, l, d.queueLease, func(err error) { cancel(err) })
	defer func() { _ = held.Release(ctx) }()
	for _, seq := range q.seqs {
		if ctx.Err() != nil || held.Err() != nil {
			// Run is stopping, or the lease was lost (this process
			// stalled) and another process may have the queue: the head
			// is still due, here or there.
			r.next = d.now()
			return r
		}
		e, err := store.Read(ctx, d.store, func(r store.Reader) (*model.WebhookEvent, error) { return pendingEvent(r, seq) })
		if err != nil {
			if ctx.Err() == nil {
				d.log.Error("reading a webhook event", "seq", seq, "order_id", q.orderID, "error", err.Error())
			}
			r.next = d.now().Add(d.poll)
			return r
		}
		if e == nil || e.QueueKey() != q.key {
			// Deleted or re-queued meanwhile: the next one is the head.
			continue
		}
		if e.NextAttemptAt.After(d.now()) {
			r.next = e.NextAttemptAt
			return r
		}
		// Just before the send, make sure the lease is still held (a
		// process stalled since the last renewal may have lost it without
		// its timer noticing yet), renewing it for the send.
		if err := d.stillHeld(ctx, held); err != nil {
			if ctx.Err() == nil && !errors.Is(err, store.ErrLeaseLost) {
				d.log.Error("checking a webhook queue's lease", "order_id", q.orderID, "error", err.Error())
			}
			r.next = d.now()
			if !errors.Is(err, store.ErrLeaseLost) {
				r.next = d.now().Add(d.poll)
			}
			return r
		}
		o := d.attempt(sending, e, held)
		r.deadLettered = r.deadLettered || o.dead
		if !o.left {
			r.next = o.next
			return r
		}
	}
	return r
}

// stillHeld renews the queue's lease now: it fails with ErrLeaseLost when
// the lease lapsed or was taken over.
func (d *Deliverer) stillHeld(ctx context.Context, held *store.Held) error {
	if err := held.Err(); err != nil {
		return err
	}
	l := held.Lease()
	if err := d.store.Leases().Renew(ctx, &l, d.queueLease); err != nil {
		return fmt.Errorf("webhook queue lease: %w", err)
	}
	return nil
}

// queueLeaseName is the name of the lease on the queue with key key.
func queueLeaseName(key string) string { return "outbox/" + key }

// pendingEvent returns the pending event with Seq seq, or nil when there
// is none.
func pendingEvent(r store.Reader, seq uint64) (*model.WebhookEvent, error) {
	if seq == 0 {
		return nil, nil
	}
	evs, err := r.WebhookEvents(model.EventPending, seq-1, 1)
	if err != nil {
		return nil, fmt.Errorf("read pending webhook event %d: %w", seq, err)
	}
	if len(evs) == 0 || evs[0].Seq != seq {
		return nil, nil
	}
	return evs[0], nil
}

// failure describes a failed attempt.
type failure struct {
	// status is the HTTP status, 0 when no response came.
	status int
	// msg becomes LastError.
	msg string
	// retryable failures are retried up to MaxAttempts; others up to
	// permanentAttempts.
	retryable bool
	// dead dead-letters the event at once.
	dead bool
	// counted failures count as an attempt.
	counted bool
	// retryAfter is the receiver's Retry-After.
	retryAfter time.Duration
}

// outcome is what became of an attempted event.
type outcome struct {
	// left is set when the event left the pending queue (delivered,
	// dead-lettered, or deleted or re-queued meanwhile), so that the next
	// event of its queue may go.
	left bool
	// dead is set when the event was dead-lettered.
	dead bool
	// next is, when the event stays, when it is due again: its new
	// NextAttemptAt, or PollInterval from now after a store error.
	next time.Time
}

// attempt makes one delivery attempt of e, whose queue's lease is held,
// and records its outcome.
func (d *Deliverer) attempt(ctx context.Context, e *model.WebhookEvent, held *store.Held) outcome {
	t, ok := d.targets[labelKey{e.Agent, e.Target}]
	if !ok {
		return d.recordFailure(ctx, e, held, Target{Agent: e.Agent, Name: e.Target}, failure{msg: targetGoneMessage, dead: true})
	}
	if (e.Protocol == model.ProtocolUCP) != (t.UCP != nil) {
		return d.recordFailure(ctx, e, held, t, failure{msg: fmt.Sprintf("event of protocol %q for a target of another protocol", e.Protocol), dead: true})
	}
	start := d.now()
	status, retryAfter, code, err := d.post(ctx, t, e, start)
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down: the attempt did not happen as far as the
			// outbox is concerned.
			return outcome{next: start}
		}
		return d.recordFailure(ctx, e, held, t, failure{
			msg:       err.Error(),
			retryable: !errors.Is(err, errBuildRequest),
			dead:      errors.Is(err, ErrForbiddenAddress),
			counted:   true,
		})
	}
	if status >= 200 && status < 300 {
		return d.recordSuccess(ctx, e, t)
	}
	msg := fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	if status >= 300 && status < 400 {
		msg += " (redirects are not followed)"
	}
	if code != "" {
		msg += " (code " + code + ")"
	}
	return d.recordFailure(ctx, e, held, t, failure{
		status:     status,
		msg:        msg,
		retryable:  outbound.RetryableStatus(status),
		counted:    true,
		retryAfter: retryAfter,
	})
}

// post sends e to t once, signed at now. It returns the response status,
// the Retry-After of a 429 or 503, and the error code of an ACP error
// body; err is set when no response came. Error messages never contain
// the URL, the payload or the secret.
func (d *Deliverer) post(ctx context.Context, t Target, e *model.WebhookEvent, now time.Time) (status int, retryAfter time.Duration, code string, err error) {
	var req *http.Request
	if t.UCP != nil {
		req, err = d.ucpRequest(ctx, t.UCP, e, now)
	} else {
		req, err = acpRequest(ctx, t, e, now)
	}
	if err != nil {
		return 0, 0, "", err
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, 0, "", fmt.Errorf("POST webhook: %w", outbound.WithoutURL(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		retryAfter = outbound.ParseRetryAfter(resp.Header.Get("Retry-After"), d.now())
	}
	if resp.StatusCode >= 300 {
		code = outbound.ErrorCode(body)
	}
	return resp.StatusCode, retryAfter, code, nil
}

// acpRequest is the request delivering e to the ACP target t at now,
// signed with its secret (SignatureHeader).
func acpRequest(ctx context.Context, t Target, e *model.WebhookEvent, now time.Time) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(e.Payload))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBuildRequest, outbound.WithoutURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, signature.TimestampedHMAC(t.Secret, now, e.Payload))
	req.Header.Set("Request-Id", e.ID)
	req.Header.Set("Timestamp", signature.FormatTimestamp(now))
	return req, nil
}

// errBuildRequest marks a request that cannot even be built (a malformed
// target URL): retrying it cannot help.
var errBuildRequest = errors.New("cannot build the webhook request")

// backoff is the pause after the attempts-th failed attempt: the
// exponential step, equally jittered, at least retryAfter, at most
// MaxBackoff.
func (d *Deliverer) backoff(attempts int, retryAfter time.Duration) time.Duration {
	return outbound.Backoff{Initial: d.initialBackoff, Max: d.maxBackoff, Jitter: d.jitter}.Delay(attempts, retryAfter)
}

// recordSuccess deletes the delivered event; it left the queue also when
// it was gone already. A store error leaves it pending: it will be
// delivered again.
func (d *Deliverer) recordSuccess(ctx context.Context, e *model.WebhookEvent, t Target) outcome {
	now := d.now()
	// The receiver has the event: record that even when shutting down.
	err := d.store.Update(context.WithoutCancel(ctx), func(tx store.Tx) error {
		cur, err := pendingEvent(tx, e.Seq)
		if err != nil || cur == nil || cur.ID != e.ID {
			return err
		}
		return tx.DeleteWebhookEvent(cur)
	})
	if err != nil {
		d.log.Error("recording a delivered webhook event; it will be delivered again",
			"event_id", e.ID, "order_id", e.OrderID, "agent", e.Agent, "target", e.Target, "error", err.Error())
		return outcome{next: now.Add(d.poll)}
	}
	d.metrics.observeDelivered(t.Agent, t.Name, now.Sub(e.CreatedAt).Seconds())
	d.log.Debug("webhook event delivered", "event_id", e.ID, "order_id", e.OrderID, "agent", e.Agent,
		"target", e.Target, "attempt", e.Attempts+1, "type", e.Type)
	return outcome{left: true}
}

// recordFailure records a failed attempt: the event is scheduled again or
// dead-lettered. Nothing is recorded when the queue's lease was lost
// (the fencing check): another process may be delivering the event.
func (d *Deliverer) recordFailure(ctx context.Context, e *model.WebhookEvent, held *store.Held, t Target, f failure) outcome {
	now := d.now()
	var (
		found    bool
		dead     bool
		reason   string
		attempts int
		next     time.Time
	)
	err := d.store.Update(context.WithoutCancel(ctx), func(tx store.Tx) error {
		if err := tx.HoldsLease(held.Lease()); err != nil {
			return err
		}
		cur, err := pendingEvent(tx, e.Seq)
		if err != nil {
			return err
		}
		found = cur != nil && cur.ID == e.ID
		if !found {
			return nil
		}
		if f.counted {
			cur.Attempts++
		}
		cur.LastError = f.msg
		cur.LastStatus = f.status
		attempts = cur.Attempts
		dead, reason = deadReason(cur, t, f, now)
		if !dead {
			cur.NextAttemptAt = now.Add(d.backoff(cur.Attempts, f.retryAfter))
			next = cur.NextAttemptAt
			return tx.PutWebhookEvent(cur)
		}
		if err := tx.DeleteWebhookEvent(cur); err != nil {
			return err
		}
		cur.State = model.EventDead
		return tx.PutWebhookEvent(cur)
	})
	if errors.Is(err, store.ErrLeaseLost) {
		d.log.Warn("a webhook queue was lost to another process during an attempt; the attempt is not recorded",
			"event_id", e.ID, "order_id", e.OrderID, "agent", e.Agent, "target", e.Target)
		return outcome{next: now}
	}
	if err != nil {
		d.log.Error("recording a failed webhook attempt", "event_id", e.ID, "order_id", e.OrderID,
			"agent", e.Agent, "target", e.Target, "error", err.Error())
		return outcome{next: now.Add(d.poll)}
	}
	if !found {
		// Deleted or re-queued by an operator meanwhile.
		return outcome{left: true}
	}
	attrs := []any{"event_id", e.ID, "order_id", e.OrderID, "agent", e.Agent, "target", e.Target,
		"attempt", attempts, "status", f.status, "error", f.msg}
	if f.counted {
		d.metrics.observeFailed(t.Agent, t.Name)
	}
	if dead {
		d.metrics.observeDeadLettered(e.Agent, e.Target)
		d.log.Warn("webhook event dead-lettered", append(attrs, "reason", reason)...)
		return outcome{left: true, dead: true}
	}
	d.log.Warn("webhook delivery failed; will retry", append(attrs, "next_attempt_at", next.UTC().Format(time.RFC3339Nano))...)
	return outcome{next: next}
}

// deadReason decides whether the failed event e (its attempts already
// counted) goes dead, and why.
func deadReason(e *model.WebhookEvent, t Target, f failure, now time.Time) (bool, string) {
	switch {
	case f.dead:
		return true, "refused at once"
	case f.retryable && e.Attempts >= t.MaxAttempts:
		return true, "max attempts reached"
	case !f.retryable && e.Attempts >= min(permanentAttempts, t.MaxAttempts):
		return true, "status not retryable"
	case now.Sub(e.CreatedAt) > t.MaxAge:
		return true, "max age exceeded"
	}
	return false, ""
}
