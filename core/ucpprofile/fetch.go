package ucpprofile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/core/internal/outbound"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/internal/ucpdoc"
)

// fetch GETs a platform profile and checks it, returning it with how long
// to cache it. Failures are *ucp.Error as overview.md's table says:
// profile_unreachable (424) for a failed connection, a timeout, or an
// answer other than 2xx (redirects are not followed: a 3xx is a failure);
// profile_malformed (422) for a body too large, not JSON, or breaking the
// profile rules; invalid_profile_url (400) for a host that resolves to an
// address the webhook rules refuse.
func (r *Resolver) fetch(ctx context.Context, profileURL string) (*ucpdoc.Platform, time.Duration, *ucp.Error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, profileURL, nil)
	if err != nil {
		e := invalidProfileURL("The platform profile URL cannot be requested.")
		e.Cause = err
		return nil, 0, e
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		err = outbound.WithoutURL(err)
		if errors.Is(err, errRefusedAddress) {
			e := invalidProfileURL("The platform profile's host resolves to an address that may not be reached.")
			e.Cause = err
			return nil, 0, e
		}
		return nil, 0, unreachable("Unable to fetch the platform profile: the connection failed or timed out.", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := fmt.Sprintf("Unable to fetch the platform profile: it was answered HTTP %d.", resp.StatusCode)
		if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
			msg = fmt.Sprintf("Unable to fetch the platform profile: it was answered HTTP %d, and profile redirects are not followed.", resp.StatusCode)
		}
		return nil, 0, unreachable(msg, fmt.Errorf("HTTP %d", resp.StatusCode))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.opts.MaxBytes+1))
	if err != nil {
		return nil, 0, unreachable("Unable to fetch the platform profile: reading it failed or timed out.", outbound.WithoutURL(err))
	}
	if int64(len(body)) > r.opts.MaxBytes {
		return nil, 0, malformed(fmt.Sprintf("The platform profile is larger than %d bytes.", r.opts.MaxBytes), nil)
	}
	parsed, err := ucpdoc.ParsePlatform(body)
	if err != nil {
		return nil, 0, malformed("The platform profile is malformed: "+err.Error()+".", err)
	}
	return parsed, r.ttl(resp.Header.Values("Cache-Control")), nil
}

// ttl is how long a fetched profile is cached: its max-age, clamped to
// MinTTL and MaxTTL; MinTTL without one. Other directives (no-store,
// private) do not shorten it: overview.md sets the floor "regardless of
// the origin's Cache-Control headers".
func (r *Resolver) ttl(cacheControl []string) time.Duration {
	ttl := r.opts.MinTTL
	for _, v := range cacheControl {
		for d := range strings.SplitSeq(v, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(d), "=")
			if !strings.EqualFold(name, "max-age") {
				continue
			}
			if secs, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64); err == nil && secs >= 0 {
				ttl = time.Duration(min(secs, int64(r.opts.MaxTTL/time.Second))) * time.Second
			}
		}
	}
	return min(max(ttl, r.opts.MinTTL), r.opts.MaxTTL)
}

func unreachable(content string, cause error) *ucp.Error {
	e := ucp.NewError(http.StatusFailedDependency, ucp.CodeProfileUnreachable, content)
	e.Cause = cause
	return e
}

func malformed(content string, cause error) *ucp.Error {
	e := ucp.NewError(http.StatusUnprocessableEntity, ucp.CodeProfileMalformed, content)
	e.Cause = cause
	return e
}
