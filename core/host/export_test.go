package host

import (
	"context"

	"github.com/acp-sidecar/acp/core/ucp"
)

// UCPCatalogOperations returns, to the external tests, the UCP catalog
// operations h serves (the REST binding mounting them is built apart).
func UCPCatalogOperations(h *Host) map[string]ucp.Operation {
	return ucpCatalogOperations(h.cfg, h.ucpCatalog)
}

// RefreshUCPCatalog refreshes h's UCP catalog index now, as its
// background refresh does every interval.
func RefreshUCPCatalog(ctx context.Context, h *Host) error { return h.ucpCatalog.Refresh(ctx) }
