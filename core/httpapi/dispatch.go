package httpapi

import (
	"net"
	"net/http"

	"github.com/valyala/fasthttp"
)

// Dispatcher runs one request through the whole REST stack in process
// (authentication, signatures, rate limits, versions, idempotency, codecs,
// logging) and returns the response. The MCP binding uses it so that both
// transports behave identically; *API is the one Dispatcher.
type Dispatcher interface {
	// Dispatch serves the request and returns the response's status,
	// header and body.
	Dispatch(method, path string, header http.Header, body []byte) (status int, respHeader http.Header, respBody []byte)
}

// Interface guard.
var _ Dispatcher = (*API)(nil)

// inProcessAddr is the remote address of dispatched requests.
var inProcessAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}

// Dispatch implements Dispatcher over the API's handler, without a
// network hop: fasthttp request contexts are built in memory. The handler
// is taken from App at the first call, once every route is mounted.
func (a *API) Dispatch(method, path string, header http.Header, body []byte) (int, http.Header, []byte) {
	var req fasthttp.Request
	req.Header.SetMethod(method)
	req.SetRequestURI(path)
	req.Header.SetHost("in-process")
	for name, values := range header {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	req.SetBody(body)
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, inProcessAddr, nil)
	ctx.SetUserValue(localInProcess, true)
	a.handler()(&ctx)
	respHeader := http.Header{}
	ctx.Response.Header.VisitAll(func(k, v []byte) { respHeader.Add(string(k), string(v)) })
	return ctx.Response.StatusCode(), respHeader, append([]byte(nil), ctx.Response.Body()...)
}
