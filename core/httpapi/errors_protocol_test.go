package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
)

// An error at a path with an encoder of its own is written in that shape
// with everything a flat error gets: its status and its Retry-After.
func TestProtocolErrorEncodedKeepsRetryAfter(t *testing.T) {
	t.Parallel()
	busy := func(*fiber.Ctx) error {
		ae := apierr.Unavailable(apierr.CodeUpstreamUnavailable, nil, "Busy.")
		ae.RetryAfterSeconds = 3
		return ae
	}
	app := newAppWith(t, appOptions{
		handler: sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_1", AcceptedBrands: []string{"visa"}}),
		extend: func(api *httpapi.API, _ *checkout.Service) {
			api.Mount("/flat", func(r fiber.Router) { r.Get("", busy) })
			api.Mount("/own", func(r fiber.Router) { r.Get("", busy) })
			api.EncodeErrorsAt("/own", func(ae *apierr.Error) []byte { return []byte(`{"own":"` + ae.Code + `"}`) })
		},
	})
	for path, want := range map[string]string{
		"/flat": string(apierr.Unavailable(apierr.CodeUpstreamUnavailable, nil, "Busy.").JSON()),
		"/own":  `{"own":"` + apierr.CodeUpstreamUnavailable + `"}`,
	} {
		resp, err := app.Test(httptest.NewRequest(http.MethodGet, path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || string(body) != want {
			t.Errorf("GET %s = %d %s, want 503 %s", path, resp.StatusCode, body, want)
		}
		if got := resp.Header.Get("Retry-After"); got != "3" {
			t.Errorf("GET %s: Retry-After = %q, want 3", path, got)
		}
		if got := resp.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("GET %s: Content-Type = %q", path, got)
		}
	}
}
