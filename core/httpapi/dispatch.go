package httpapi

import (
	"net"
	"net/http"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Dispatcher runs one request through the whole REST stack in process
// (authentication, signatures, rate limits, versions, idempotency, codecs,
// logging) and returns the response. The MCP binding uses it so that both
// transports behave identically.
type Dispatcher = func(method, path string, header http.Header, body []byte) (status int, respHeader http.Header, respBody []byte)

// inProcessAddr is the remote address of dispatched requests.
var inProcessAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}

// dispatcher returns a Dispatcher over app's handler, without a network
// hop: fasthttp request contexts are built in memory. The handler is taken
// at the first call, once every route is registered.
func dispatcher(app *fiber.App) Dispatcher {
	handler := sync.OnceValue(app.Handler)
	return func(method, path string, header http.Header, body []byte) (int, http.Header, []byte) {
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
		handler()(&ctx)
		respHeader := http.Header{}
		ctx.Response.Header.VisitAll(func(k, v []byte) { respHeader.Add(string(k), string(v)) })
		return ctx.Response.StatusCode(), respHeader, append([]byte(nil), ctx.Response.Body()...)
	}
}
