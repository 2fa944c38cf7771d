package capcache

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/core/internal/promreg"
)

// Defaults of Options.
const (
	// DefaultCeiling is the longest an answer is kept, whatever its
	// MaxAge.
	DefaultCeiling = 5 * time.Minute
	// DefaultEntries is how many answers are kept per plugin and RPC.
	DefaultEntries = 4096
)

// Lookup outcomes, as the acp_plugin_cache_requests_total metric labels
// them.
const (
	// outcomeHit: answered from a kept answer; the plugin was not called.
	outcomeHit = "hit"
	// outcomeMiss: the plugin was asked (its answer is kept when it has a
	// MaxAge; a failure never is).
	outcomeMiss = "miss"
	// outcomeUncacheable: the plugin was asked and its answer has no
	// MaxAge (a plugin of protocol 1.4, or an answer that must not be
	// reused), or the request cannot be keyed.
	outcomeUncacheable = "uncacheable"
)

// Options configure a Cache.
type Options struct {
	// Ceiling caps every answer's MaxAge; DefaultCeiling when zero.
	Ceiling time.Duration
	// Entries bounds the answers kept per plugin and RPC; DefaultEntries
	// when zero.
	Entries int
	// Registerer, when set, receives the cache's metric.
	Registerer prometheus.Registerer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Cache holds the answers of every plugin, by plugin and RPC. It is safe
// for concurrent use. A nil *Cache keeps nothing: its wrappers return the
// capability they are given.
type Cache struct {
	now      func() time.Time
	ceiling  time.Duration
	entries  int
	requests *prometheus.CounterVec

	mu      sync.Mutex
	plugins map[string]*pluginAnswers
}

// key identifies a request: a SHA-256 of its RPC and its encoding.
type key [sha256.Size]byte

// pluginAnswers are one plugin's kept answers. generation counts the
// Forgets: an answer asked for in an earlier generation is not kept.
type pluginAnswers struct {
	generation uint64
	rpcs       map[string]*answers
}

// answers are the kept answers of one plugin's RPC, the most recently
// used first.
type answers struct {
	order *list.List // of *entry
	byKey map[key]*list.Element
}

// entry is one kept answer.
type entry struct {
	key     key
	value   any
	expires time.Time
}

// New returns an empty cache.
func New(opts Options) *Cache {
	c := &Cache{now: opts.Now, ceiling: opts.Ceiling, entries: opts.Entries, plugins: map[string]*pluginAnswers{}}
	if c.now == nil {
		c.now = time.Now
	}
	if c.ceiling <= 0 {
		c.ceiling = DefaultCeiling
	}
	if c.entries <= 0 {
		c.entries = DefaultEntries
	}
	c.requests = promreg.Register(opts.Registerer, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "acp_plugin_cache_requests_total",
		Help: "Plugin answers looked up in the host's cache, by plugin, capability and outcome (hit, miss, uncacheable).",
	}, []string{"plugin", "capability", "outcome"}))
	return c
}

// Forget drops every answer kept of plugin. An answer to a call made
// before it returns is not kept either.
func (c *Cache) Forget(plugin string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pluginLocked(plugin)
	p.generation++
	clear(p.rpcs)
}

// pluginLocked returns plugin's answers, created on first use.
func (c *Cache) pluginLocked(plugin string) *pluginAnswers {
	p := c.plugins[plugin]
	if p == nil {
		p = &pluginAnswers{rpcs: map[string]*answers{}}
		c.plugins[plugin] = p
	}
	return p
}

// lookup returns the answer kept for k, or nil, and the plugin's
// generation to keep a new answer under. An expired answer is dropped.
func (c *Cache) lookup(plugin, rpc string, k key) (any, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pluginLocked(plugin)
	a := p.rpcs[rpc]
	if a == nil {
		return nil, p.generation
	}
	el, ok := a.byKey[k]
	if !ok {
		return nil, p.generation
	}
	e := el.Value.(*entry)
	if !c.now().Before(e.expires) {
		a.order.Remove(el)
		delete(a.byKey, k)
		return nil, p.generation
	}
	a.order.MoveToFront(el)
	return e.value, p.generation
}

// keep keeps value, the answer to k, for maxAge (at most the ceiling),
// unless the plugin was forgotten since generation; the least recently
// used answer goes when the RPC has its bound.
func (c *Cache) keep(plugin, rpc string, k key, generation uint64, value any, maxAge time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pluginLocked(plugin)
	if p.generation != generation {
		return
	}
	a := p.rpcs[rpc]
	if a == nil {
		a = &answers{order: list.New(), byKey: map[key]*list.Element{}}
		p.rpcs[rpc] = a
	}
	expires := c.now().Add(min(maxAge, c.ceiling))
	if el, ok := a.byKey[k]; ok {
		e := el.Value.(*entry)
		e.value, e.expires = value, expires
		a.order.MoveToFront(el)
		return
	}
	for a.order.Len() >= c.entries {
		oldest := a.order.Back()
		delete(a.byKey, oldest.Value.(*entry).key)
		a.order.Remove(oldest)
	}
	a.byKey[k] = a.order.PushFront(&entry{key: k, value: value, expires: expires})
}

// count records a lookup's outcome.
func (c *Cache) count(plugin, capability, outcome string) {
	c.requests.WithLabelValues(plugin, capability, outcome).Inc()
}
