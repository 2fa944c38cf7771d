package host

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/internal/connlimit"
)

// limitConnections wraps the API listener in the connection limits:
// caps derived from the open-file limit (or lower ones from acp.yaml),
// the header timeout, and, on plain HTTP, a flat ACP 503 for each refused
// connection.
func (h *Host) limitConnections(ln net.Listener) net.Listener {
	s := h.cfg.Server
	descriptors := connlimit.DescriptorLimit()
	limits, lowered := connlimit.Resolve(
		connlimit.Limits{MaxConns: s.MaxConnections, MaxConnsPerClient: s.MaxConnectionsPerClient},
		connlimit.Derive(descriptors))
	if lowered {
		h.logger.Warn("connection caps lowered to fit the open-file limit",
			"open_file_limit", descriptors, "max_connections", limits.MaxConns, "max_connections_per_client", limits.MaxConnsPerClient)
	}
	h.logger.Info("connection limits", "open_file_limit", descriptors, "max_connections", limits.MaxConns,
		"max_connections_per_client", limits.MaxConnsPerClient, "header_timeout", s.HeaderTimeout.String())
	var refusal []byte
	if !s.TLS.Enabled() {
		refusal = refusalResponse()
	}
	if h.connMetrics == nil {
		h.connMetrics = connlimit.NewMetrics(h.registry)
	}
	return connlimit.New(ln, connlimit.Options{
		MaxConns:          limits.MaxConns,
		MaxConnsPerClient: limits.MaxConnsPerClient,
		HeaderTimeout:     s.HeaderTimeout,
		Refusal:           refusal,
		Logger:            h.logger.With("component", "listener"),
		Metrics:           h.connMetrics,
	})
}

// refusalResponse is the HTTP response written to a connection refused
// for a connection cap: a flat ACP 503 asking to retry in a second.
func refusalResponse() []byte {
	body, _ := json.Marshal(apierr.Error{ // a struct of strings always marshals
		Type: apierr.TypeServiceUnavailable, Code: apierr.CodeTooManyConnections,
		Message: "Too many connections are open to this server, or from your address; retry after the Retry-After delay.",
	})
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
		http.StatusServiceUnavailable, http.StatusText(http.StatusServiceUnavailable), len(body), body)
}
