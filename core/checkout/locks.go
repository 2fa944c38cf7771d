package checkout

import (
	"hash/maphash"
	"sync"
)

// sessionLocks serializes changes to one session inside this process, so
// that two concurrent completes cannot both reach the payment handler. A
// fixed array of mutexes striped by session id keeps memory constant.
type sessionLocks struct {
	seed    maphash.Seed
	stripes [256]sync.Mutex
}

func newSessionLocks() *sessionLocks {
	return &sessionLocks{seed: maphash.MakeSeed()}
}

// lock locks the session's stripe and returns its unlock function.
func (l *sessionLocks) lock(id string) func() {
	m := &l.stripes[maphash.String(l.seed, id)%uint64(len(l.stripes))]
	m.Lock()
	return m.Unlock
}
