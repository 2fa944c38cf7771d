package ucpapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/core/ucpwire"
)

// GetOrder serves Get Order (GET /orders/{id}; MCP's get_order) from st:
// the order named by call.ID as UCP's order entity, when the calling
// platform's agent placed it (order.md, "Authorization": platform
// credentials reach the orders the platform originated). Any other id,
// whether no order has it or another agent's checkout made it, is
// answered alike with the not_found business outcome (HTTP 200 and an
// error response, order.md "Error Responses"), so that an agent learns
// nothing of others' orders.
//
// An order the same agent placed over ACP is served too, in UCP's shape:
// the agent owns it whichever protocol made it. The ucp member names the
// release and order capability version negotiated with the caller.
// A store failure is an error (a 500 whose cause is logged).
func GetOrder(st store.Store) ucp.Operation {
	return func(ctx context.Context, call *ucp.Call) (int, []byte, error) {
		var agent, version, capVersion string
		if p := call.Platform; p != nil {
			agent, version, capVersion = p.Agent, p.Version, p.Capabilities[ucp.CapOrder]
		}
		version = cmp.Or(version, ucp.Version)
		o, err := store.Read(ctx, st, func(r store.Reader) (*model.Order, error) { return r.Order(call.ID) })
		if errors.Is(err, store.ErrNotFound) || (err == nil && (agent == "" || o.Agent != agent)) {
			return http.StatusOK, ucpwire.OrderNotFoundJSON(version, capVersion), nil
		}
		if err != nil {
			return 0, nil, fmt.Errorf("load order %s: %w", call.ID, err)
		}
		body, err := ucpwire.OrderJSON(o, version, capVersion)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, body, nil
	}
}
