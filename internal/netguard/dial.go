package netguard

import (
	"context"
	"fmt"
	"net"
)

// DialContext is the signature of net.Dialer.DialContext.
type DialContext func(ctx context.Context, network, address string) (net.Conn, error)

// GuardDial returns dial preceded by CheckHost on the host of address, so
// that a host refused by its form (localhost., 127.1, 0x7f000001) is
// refused before any DNS query. refused wraps the error, e.g. as a
// sentinel of the caller's package.
func GuardDial(dial DialContext, refused error) DialContext {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", refused, err)
		}
		if err := CheckHost(host); err != nil {
			return nil, fmt.Errorf("%w: %w", refused, err)
		}
		return dial(ctx, network, address)
	}
}
