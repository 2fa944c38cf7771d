package feedtest

import (
	"fmt"
	"time"
)

// Delay is the feed_publishing.delay of the servers the tests run
// against a Server (PublishingConfig): a change reaches the platform one
// to two delays after it is made.
const Delay = 200 * time.Millisecond

// PublishingConfig is acp.yaml's feed_publishing section for a server
// the tests run against a Server: private networks allowed (the Server
// listens on loopback), the catalog sampled every Delay, and short
// back-offs, so that a test sees an outage end quickly.
func PublishingConfig() string {
	return fmt.Sprintf("\nfeed_publishing:\n  allow_private_networks: true\n  delay: %s\n  initial_backoff: 100ms\n  max_backoff: 400ms\n", Delay)
}
