package outbound

import "time"

// Backoff computes the pause between failed attempts: Initial after the
// first, doubling with each further one up to Max, each pause jittered
// between half and all of its step, and never shorter than what the
// remote party asked for with Retry-After (nor longer than Max).
type Backoff struct {
	// Initial is the step after a first failed attempt; positive.
	Initial time.Duration
	// Max caps every pause; at least Initial.
	Max time.Duration
	// Jitter returns a random number in [0, n) (math/rand/v2.Int64N).
	Jitter func(n int64) int64
}

// Delay is the pause after the attempts-th failed attempt: the
// exponential step, equally jittered, at least retryAfter, at most Max.
func (b Backoff) Delay(attempts int, retryAfter time.Duration) time.Duration {
	step := b.Initial
	for i := 1; i < attempts && step < b.Max; i++ {
		if step > b.Max/2 {
			step = b.Max
			break
		}
		step *= 2
	}
	half := step / 2
	delay := half + time.Duration(b.Jitter(int64(step-half)+1))
	return min(max(delay, retryAfter), b.Max)
}
