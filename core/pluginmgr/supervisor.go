package pluginmgr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin/client"
)

// supervisor owns one plugin process across its restarts.
type supervisor struct {
	spec    Spec
	logger  *slog.Logger
	metrics *metrics
	now     func() time.Time
	// onStart, when set, is told of each start (Options.OnStart).
	onStart func(plugin string)

	mu        sync.Mutex
	current   *client.Plugin
	info      client.Info
	starting  chan struct{} // closed when the start in progress ends
	startErr  error         // the last start's failure
	nextStart time.Time     // no start before this (back-off)
	backoff   time.Duration
	restarts  int
	started   bool      // a start has succeeded once
	failures  int       // consecutive failed calls (outages, not refusals)
	openUntil time.Time // circuit open until then
	trial     bool      // the circuit's one trial call after a cool-down is in flight
	// unimplemented are the RPCs of mapped capabilities the plugin
	// answered UNIMPLEMENTED, each logged once.
	unimplemented map[string]bool
	health        health
	closed        bool
	kills         sync.WaitGroup // processes being killed in the background
}

type health struct {
	checked bool
	healthy bool
	message string
}

func newSupervisor(spec Spec, logger *slog.Logger, m *metrics, now func() time.Time) *supervisor {
	return &supervisor{spec: spec, logger: logger, metrics: m, now: now, backoff: spec.InitialBackoff, unimplemented: map[string]bool{}}
}

// live returns the running plugin, starting it when it is not running.
// Only one start runs at a time; concurrent callers wait for it, or for
// their own deadline. While a failed start's back-off runs, it fails at
// once.
func (s *supervisor) live(ctx context.Context) (*client.Plugin, error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, ErrClosed
		}
		if p := s.current; p != nil && !p.Exited() {
			s.mu.Unlock()
			return p, nil
		}
		if s.current != nil {
			s.logger.Warn("plugin exited; restarting", "plugin", s.spec.Name)
			s.dropLocked()
		}
		if s.starting == nil {
			if wait := s.nextStart.Sub(s.now()); wait > 0 {
				err := s.startErr
				s.mu.Unlock()
				return nil, fmt.Errorf("%w: restarting in %s after: %w", ErrUnavailable, wait.Round(time.Millisecond), err)
			}
			// The start runs on its own clock, so a caller's short
			// deadline never aborts a start other callers wait for.
			s.starting = make(chan struct{})
			go s.restart(s.starting)
		}
		started := s.starting
		s.mu.Unlock()
		select {
		case <-started:
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: waiting for it to start: %w", ErrUnavailable, ctx.Err())
		}
	}
}

// startNow starts the plugin unless it runs, through the same shared
// start as live, and returns the start's own error when it fails.
func (s *supervisor) startNow(ctx context.Context) error {
	if _, err := s.live(ctx); err != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.startErr != nil {
			return s.startErr
		}
		return err
	}
	return nil
}

// restart starts the plugin, records the outcome, checks the new
// process's health, then closes done.
func (s *supervisor) restart(done chan struct{}) {
	defer close(done)
	ctx, cancel := context.WithTimeout(context.Background(), s.spec.StartTimeout)
	defer cancel()
	p, err := s.start(ctx)
	s.mu.Lock()
	s.starting = nil
	if s.closed {
		s.mu.Unlock()
		if p != nil {
			p.Kill()
		}
		return
	}
	if err != nil {
		retryIn := jitter(s.backoff)
		s.startErr = err
		s.nextStart = s.now().Add(retryIn)
		s.backoff = min(2*s.backoff, s.spec.MaxBackoff)
		s.mu.Unlock()
		s.metrics.up(s.spec.Name, false)
		s.logger.Error("plugin failed to start", "plugin", s.spec.Name, "error", err, "retry_in", retryIn.Round(time.Millisecond))
		return
	}
	if s.started {
		s.restarts++
		s.metrics.restarted(s.spec.Name)
	}
	s.started = true
	s.current, s.info, s.startErr = p, p.Info, nil
	s.nextStart, s.backoff = time.Time{}, s.spec.InitialBackoff
	restarts := s.restarts
	s.mu.Unlock()
	if s.onStart != nil {
		s.onStart(s.spec.Name)
	}
	s.metrics.up(s.spec.Name, true)
	s.logger.Info("plugin started", "plugin", s.spec.Name, "version", p.Info.Version, "sdk_version", p.Info.SDKVersion,
		"protocol_minor", p.Info.ProtocolMinor, "announces", p.Info.Capabilities,
		"capabilities", s.spec.Capabilities, "pid", p.ID(), "restarts", restarts)
	s.checkHealth(ctx)
}

// start launches the plugin, checks that it serves what it is mapped to
// and configures it.
func (s *supervisor) start(ctx context.Context) (*client.Plugin, error) {
	p, err := client.Start(ctx, client.Config{
		Name:         s.spec.Name,
		Command:      s.spec.Command,
		Args:         s.spec.Args,
		Dir:          s.spec.Dir,
		Env:          s.spec.Env,
		SHA256:       s.spec.SHA256,
		StartTimeout: s.spec.StartTimeout,
		Logger:       newHCLogAdapter(s.logger.With("plugin", s.spec.Name)),
	})
	if err != nil {
		return nil, err
	}
	for _, c := range s.spec.Capabilities {
		if !p.Info.Serves(c) {
			p.Kill()
			return nil, fmt.Errorf("plugin %q does not serve the %s capability acp.yaml maps to it (it serves: %v)", s.spec.Name, c, p.Info.Capabilities)
		}
	}
	if err := p.Configure(ctx, s.spec.Config); err != nil {
		p.Kill()
		return nil, err
	}
	return p, nil
}

// dropLocked forgets the current process, killing it in the background
// (close waits for that) if it still runs.
func (s *supervisor) dropLocked() {
	p := s.current
	if p == nil {
		return
	}
	s.current = nil
	s.health = health{}
	s.metrics.up(s.spec.Name, false)
	s.kills.Go(p.Kill)
}

// call runs fn, an RPC of capability, against the live plugin under the
// plugin's deadline. A failure that another attempt may cure (the process
// died, or the plugin marked its failure retryable) is retried once when
// the call is idempotent, after a restart when the process died. A plugin
// that was never started gets its start timeout to start in, not the
// call's. A plugin that does not announce capability is not called: the
// call returns acp.ErrNotOffered, also while the circuit is open, as it
// does when the plugin answers UNIMPLEMENTED, and neither counts as an
// outage. An UNIMPLEMENTED answer for a capability mapped to the plugin
// is an error instead (see attempt).
func (s *supervisor) call(ctx context.Context, capability, rpc string, idempotent bool, fn func(context.Context, *client.Plugin) error) error {
	began := s.now()
	neverStarted, err := s.admit(capability)
	if errors.Is(err, acp.ErrNotOffered) {
		s.metrics.observe(s.spec.Name, rpc, outcomeNotOffered, s.now().Sub(began))
		return fmt.Errorf("plugin %q %s: %w", s.spec.Name, rpc, err)
	}
	if err != nil {
		s.metrics.observe(s.spec.Name, rpc, outcomeUnavailable, 0)
		return err
	}
	if neverStarted {
		err = s.firstStart(ctx)
	}
	if err == nil {
		callCtx, cancel := context.WithTimeout(ctx, s.spec.Timeout)
		err = s.attempt(callCtx, capability, rpc, fn)
		if err != nil && idempotent && retryable(err) && callCtx.Err() == nil {
			s.logger.Warn("retrying plugin call", "plugin", s.spec.Name, "rpc", rpc, "error", err)
			err = s.attempt(callCtx, capability, rpc, fn)
		}
		cancel()
	}
	s.metrics.observe(s.spec.Name, rpc, classify(err), s.now().Sub(began))
	s.settle(err)
	if err != nil {
		return fmt.Errorf("plugin %q %s: %w", s.spec.Name, rpc, err)
	}
	return nil
}

// firstStart starts a plugin no call has started yet (the CLI starts
// plugins lazily), within the start timeout.
func (s *supervisor) firstStart(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.spec.StartTimeout)
	defer cancel()
	if err := s.startNow(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// attempt makes one call. When the connection to the plugin broke (its
// process died, or another call found it dead and closed the connection
// under this one), the process is dropped so that the next attempt
// restarts it. An UNAVAILABLE or CANCELLED status from a plugin that is
// still running is the plugin's own answer (one written in another
// language may send UNAVAILABLE for a backend outage). An UNIMPLEMENTED
// answer (acp.ErrNotOffered) for a capability mapped to the plugin is not
// a quiet "not offered": the plugin announces what it does not implement.
func (s *supervisor) attempt(ctx context.Context, capability, rpc string, fn func(context.Context, *client.Plugin) error) error {
	p, err := s.live(ctx)
	if err != nil {
		return err
	}
	if !p.Info.Serves(capability) {
		return notAnnounced(capability)
	}
	err = fn(ctx, p)
	if errors.Is(err, acp.ErrNotOffered) && slices.Contains(s.spec.Capabilities, capability) {
		return s.unimplementedRPC(capability, rpc, err)
	}
	code := status.Code(err)
	if code != codes.Unavailable && (code != codes.Canceled || ctx.Err() != nil) {
		return err
	}
	s.mu.Lock()
	dropped := s.current != p
	s.mu.Unlock()
	if !dropped && (code == codes.Canceled || !exited(p)) {
		return err
	}
	s.mu.Lock()
	if s.current == p {
		s.dropLocked()
	}
	s.mu.Unlock()
	return fmt.Errorf("%w: the plugin process went away: %w", ErrUnavailable, err)
}

// unimplementedRPC turns err, the plugin's UNIMPLEMENTED answer to rpc of
// capability, which acp.yaml maps to it, into a failure that is not
// retried and not an outage (the plugin answered), logged once per RPC.
func (s *supervisor) unimplementedRPC(capability, rpc string, err error) error {
	answer := strings.TrimPrefix(err.Error(), acp.ErrNotOffered.Error()+": ")
	s.mu.Lock()
	logged := s.unimplemented[rpc]
	s.unimplemented[rpc] = true
	s.mu.Unlock()
	if !logged {
		s.logger.Error(fmt.Sprintf("plugin announces %s but does not implement RPC %s", capability, rpc),
			"plugin", s.spec.Name, "capability", capability, "rpc", rpc, "answer", answer)
	}
	return &acp.Error{Source: acp.SourcePlugin, Reason: "unimplemented",
		Err: fmt.Errorf("the plugin announces %s but does not implement RPC %s (it answered UNIMPLEMENTED: %s)", capability, rpc, answer)}
}

// notAnnounced is the error of a call to a capability the plugin does not
// announce.
func notAnnounced(capability string) error {
	return fmt.Errorf("%w: the plugin does not announce %s", acp.ErrNotOffered, capability)
}

// exitWait is how long a call that lost its connection waits to see the
// plugin's process exit (it takes a millisecond or two).
const exitWait = 100 * time.Millisecond

// exited reports whether p's process exits within exitWait.
func exited(p *client.Plugin) bool {
	for deadline := time.Now().Add(exitWait); !p.Exited(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// admit fails fast while the circuit is open. After the cool-down it lets
// one trial call through and fails the others fast until that call
// settles. A call to a capability the plugin did not announce when it
// last started is not admitted: it is not offered, whatever the circuit.
// It also tells whether the plugin was ever started.
func (s *supervisor) admit(capability string) (neverStarted bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	neverStarted = !s.started && s.current == nil
	switch {
	case s.closed:
		return false, ErrClosed
	case s.started && !s.info.Serves(capability):
		return false, notAnnounced(capability)
	case s.failures < s.spec.CircuitFailures:
		return neverStarted, nil
	case s.now().Before(s.openUntil):
		return false, fmt.Errorf("plugin %q: %w: circuit open for %s more after %d failures in a row", s.spec.Name, ErrUnavailable,
			s.openUntil.Sub(s.now()).Round(time.Millisecond), s.failures)
	case s.trial:
		return false, fmt.Errorf("plugin %q: %w: circuit half open, a trial call is in flight", s.spec.Name, ErrUnavailable)
	default:
		s.trial = true
		return neverStarted, nil
	}
}

// settle counts consecutive outages and opens the circuit at the limit;
// an answer of any kind, a refusal included, closes it. A refusal (a
// failure the plugin does not mark retryable, such as an order system
// rejecting an order) proves the plugin and its backend are up, so it
// does not count: one bad order must not stop every checkout. "Not
// offered" proves nothing either way (the plugin may not have been called
// at all): it ends a trial call without closing or opening the circuit,
// so the next call is the trial.
func (s *supervisor) settle(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trial = false
	if errors.Is(err, acp.ErrNotOffered) {
		return
	}
	if !outage(err) {
		if s.failures >= s.spec.CircuitFailures {
			s.logger.Info("plugin circuit closed", "plugin", s.spec.Name)
		}
		s.failures, s.openUntil = 0, time.Time{}
		return
	}
	s.failures++
	if s.failures >= s.spec.CircuitFailures {
		s.openUntil = s.now().Add(s.spec.CircuitCooldown)
		s.logger.Error("plugin circuit open", "plugin", s.spec.Name, "failures", s.failures, "cooldown", s.spec.CircuitCooldown)
	}
}

// checkHealth restarts a plugin that is down and asks a running one for
// its health.
func (s *supervisor) checkHealth(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, s.spec.Timeout)
	defer cancel()
	p, err := s.live(ctx)
	if err != nil {
		return
	}
	healthy, message, err := p.CheckHealth(ctx)
	if err != nil {
		healthy, message = false, err.Error()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current != p {
		return
	}
	if healthy != s.health.healthy || !s.health.checked {
		level := slog.LevelInfo
		if !healthy {
			level = slog.LevelWarn
		}
		s.logger.Log(ctx, level, "plugin health", "plugin", s.spec.Name, "healthy", healthy, "message", message)
	}
	s.health = health{checked: true, healthy: healthy, message: message}
}

// status describes the plugin now.
func (s *supervisor) status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Status{Name: s.spec.Name, Capabilities: slices.Clone(s.spec.Capabilities), Info: s.info, Restarts: s.restarts}
	switch {
	case s.closed:
		st.State = StateStopped
	case s.startErr != nil && s.current == nil:
		st.State, st.Message = StateDown, s.startErr.Error()
	case s.now().Before(s.openUntil):
		st.State, st.Message = StateCircuitOpen, fmt.Sprintf("%d failed calls in a row", s.failures)
	case s.current == nil || s.current.Exited():
		st.State = StateDown
	case s.health.checked && !s.health.healthy:
		st.State, st.Message = StateUnhealthy, s.health.message
	default:
		st.State = StateRunning
		st.PID = s.current.ID()
	}
	st.StockControl = st.stockControl()
	return st
}

// close stops the plugin for good, waiting for a start in progress and
// for processes being killed.
func (s *supervisor) close() {
	s.mu.Lock()
	s.closed = true
	p, started := s.current, s.starting
	s.current = nil
	s.mu.Unlock()
	if p != nil {
		p.Kill()
	}
	if started != nil {
		<-started
	}
	s.kills.Wait()
}

// outage reports whether err means the plugin could not answer, as
// opposed to answering with a refusal.
func outage(err error) bool {
	if err == nil {
		return false
	}
	var e *acp.Error
	if errors.As(err, &e) {
		return e.Retryable
	}
	return true
}

// retryable reports whether one more attempt may succeed.
func retryable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, ErrUnavailable) || status.Code(err) == codes.Unavailable {
		return true
	}
	var e *acp.Error
	return errors.As(err, &e) && e.Retryable
}

// jitter spreads a back-off over [d/2, d].
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}
