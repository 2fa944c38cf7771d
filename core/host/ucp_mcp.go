package host

import (
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/ucpapi"
	"github.com/acp-sidecar/acp/core/ucpmcp"
)

// ucpREST is the Dispatcher UCP's MCP binding calls: the REST binding,
// once mounted. The MCP binding is mounted first, because its path lies
// under the REST binding's base path by default and the REST binding's
// guards (which require UCP-Agent and Request-Id headers an MCP request
// need not carry) would otherwise answer its requests.
type ucpREST struct{ rest *ucpapi.API }

// Dispatch implements httpapi.Dispatcher.
func (d *ucpREST) Dispatch(method, path string, header http.Header, body []byte) (int, http.Header, []byte) {
	return d.rest.Dispatch(method, path, header, body)
}

// mountUCPMCP mounts UCP's MCP binding at ucp.mcp_path, behind the
// agents' tokens (Authorization or X-API-Key, as REST), with errors the
// shared stack answers there in the binding's JSON-RPC shape. Each tool
// call is then dispatched through the REST binding, which the caller
// sets on the returned ucpREST once it is mounted.
func mountUCPMCP(api *httpapi.API, cfg *config.Config, version string, logger *slog.Logger) (*ucpREST, error) {
	rest := &ucpREST{}
	mcp, err := ucpmcp.New(ucpmcp.Options{
		Version:      version,
		MaxBodyBytes: int64(cfg.Server.MaxBodyBytes),
		Logger:       logger.With("component", "ucp-mcp"),
	}, rest)
	if err != nil {
		return nil, err
	}
	api.Mount(cfg.UCP.MCPPath, func(r fiber.Router) { r.All("", adaptor.HTTPHandler(mcp)) }, api.AgentKeys(ucpapi.HeaderAPIKey))
	api.EncodeErrorsAt(cfg.UCP.MCPPath, ucpmcp.EncodeError)
	return rest, nil
}
