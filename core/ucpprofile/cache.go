package ucpprofile

import (
	"container/list"
	"sync"
	"time"
)

// lru is a fixed-size cache of resolved profiles by URL, the least
// recently used dropped first, so that the memory profiles take stays
// bounded however many URLs platforms present.
type lru struct {
	mu    sync.Mutex
	size  int
	order *list.List // front: most recently used; values *cached
	byURL map[string]*list.Element
}

// cached is a resolved profile, or a failure, until expires.
type cached struct {
	url     string
	res     result
	expires time.Time
	// failures counts the failed fetches in a row, for backoff.
	failures int
}

func newLRU(size int) *lru {
	return &lru{size: size, order: list.New(), byURL: map[string]*list.Element{}}
}

// get returns the entry for url while it has not expired.
func (c *lru) get(url string, now time.Time) (result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byURL[url]
	if !ok {
		return result{}, false
	}
	entry := e.Value.(*cached)
	if !now.Before(entry.expires) {
		return result{}, false
	}
	c.order.MoveToFront(e)
	return entry.res, true
}

// failures is how many fetches of url failed in a row, as last recorded.
func (c *lru) failures(url string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byURL[url]; ok {
		return e.Value.(*cached).failures
	}
	return 0
}

// put records res for url until expires, dropping the least recently
// used entry when the cache is full.
func (c *lru) put(url string, res result, expires time.Time, failures int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	entry := &cached{url: url, res: res, expires: expires, failures: failures}
	if e, ok := c.byURL[url]; ok {
		e.Value = entry
		c.order.MoveToFront(e)
		return
	}
	c.byURL[url] = c.order.PushFront(entry)
	for c.order.Len() > c.size {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.byURL, oldest.Value.(*cached).url)
	}
}
