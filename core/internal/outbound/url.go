package outbound

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/acp-sidecar/acp/internal/netguard"
)

// CheckURL applies the outbound address rules to raw, a URL a remote
// party gave to be requested (a UCP platform profile, an order webhook):
// an absolute URL, https (plain http only when allowPrivate), without
// user information, and, unless allowPrivate, a host that is not
// internal by its form (netguard.CheckHost). The client made by
// NewClient checks the addresses a name resolves to again when it dials.
// Its errors never quote the URL, which could carry a token; they may
// name its host.
func CheckURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
		return errors.New("not an absolute URL")
	case u.Scheme != "https" && !(allowPrivate && u.Scheme == "http"):
		return fmt.Errorf("the scheme must be https, got %q", u.Scheme)
	case u.User != nil:
		return errors.New("user information is not allowed in the URL")
	case allowPrivate:
		return nil
	}
	if err := netguard.CheckHost(u.Hostname()); err != nil {
		return fmt.Errorf("the host is not a public one: %w", err)
	}
	return nil
}
