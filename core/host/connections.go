package host

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/internal/connlimit"
)

// limitConnections wraps the API listener in the connection limits:
// caps derived from the open-file limit (or lower ones from acp.yaml),
// the trusted proxies exempt from the per-client cap, the header timeout,
// and, on plain HTTP, a flat ACP 503 for each refused connection.
func (h *Host) limitConnections(ln net.Listener) net.Listener {
	s := h.cfg.Server
	descriptors := connlimit.DescriptorLimit()
	var probes uint64
	if s.ProbesListen != "" {
		probes = uint64(connlimit.ProbeLimits.MaxConns)
	}
	limits, lowered := connlimit.Resolve(
		connlimit.Limits{MaxConns: s.MaxConnections, MaxConnsPerClient: s.MaxConnectionsPerClient},
		connlimit.Derive(descriptors, probes))
	if lowered {
		h.logger.Warn("connection caps lowered to fit the open-file limit",
			"open_file_limit", descriptors, "max_connections", limits.MaxConns, "max_connections_per_client", limits.MaxConnsPerClient)
	}
	h.logger.Info("connection limits", "open_file_limit", descriptors, "max_connections", limits.MaxConns,
		"max_connections_per_client", limits.MaxConnsPerClient, "trusted_proxies", s.TrustedProxies, "header_timeout", s.HeaderTimeout.String())
	var refusal []byte
	if !s.TLS.Enabled() {
		refusal = refusalResponse()
	}
	if h.connMetrics == nil {
		h.connMetrics = connlimit.NewMetrics(h.registry)
	}
	return connlimit.New(ln, connlimit.Options{
		Limits:        limits,
		Exempt:        s.TrustedProxyRanges(),
		HeaderTimeout: s.HeaderTimeout,
		Refusal:       refusal,
		DrainTimeout:  drainTimeout(s.ShutdownTimeout),
		Logger:        h.logger.With("component", "listener"),
		Metrics:       h.connMetrics,
	})
}

// limitProbeConnections wraps the probe listener in its fixed caps
// (connlimit.ProbeLimits), which the API listener's derived caps leave
// room for.
func (h *Host) limitProbeConnections(ln net.Listener) net.Listener {
	s := h.cfg.Server
	return connlimit.New(ln, connlimit.Options{
		Limits:        connlimit.ProbeLimits,
		HeaderTimeout: s.HeaderTimeout,
		Refusal:       refusalResponse(),
		DrainTimeout:  drainTimeout(s.ShutdownTimeout),
		Logger:        h.logger.With("component", "probe_listener"),
	})
}

// drainTimeout bounds the drain of the kernel's queue on stop: a second,
// or the whole shutdown timeout when that is shorter, so that the drain
// and the requests in flight together finish within it.
func drainTimeout(shutdown time.Duration) time.Duration {
	return min(time.Second, shutdown)
}

// refusalResponse is the HTTP response written to a connection refused
// for a connection cap: a flat ACP 503 asking to retry in a second.
func refusalResponse() []byte {
	body := apierr.New(http.StatusServiceUnavailable, apierr.TypeServiceUnavailable, apierr.CodeTooManyConnections,
		"Too many connections are open to this server, or from your address; retry after the Retry-After delay.").JSON()
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
		http.StatusServiceUnavailable, http.StatusText(http.StatusServiceUnavailable), len(body), body)
}
