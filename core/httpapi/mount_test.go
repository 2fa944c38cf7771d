package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
)

// TestMountGuardsStayWithinTheirPrefix: a guard covers its own mount and
// the paths below it, never a route mounted beside it whose path merely
// starts with the same letters ("/m" beside "/metrics" and "/merchant"),
// and a path below a guarded exact route that no route serves is still a
// 404 once the guard admits it.
func TestMountGuardsStayWithinTheirPrefix(t *testing.T) {
	t.Parallel()
	ok := func(c *fiber.Ctx) error { return c.SendString("ok") }
	mounts := func(api *httpapi.API, _ *checkout.Service) {
		api.Mount("/m", func(r fiber.Router) { r.All("", ok) }, api.AgentsOnly())
		api.Mount("/merchant", func(r fiber.Router) { r.Get("/orders", ok) }, httpapi.TokenOnly("merchant", "merchant-token-0123"))
		api.Mount("/metrics", func(r fiber.Router) { r.Get("", ok) })
		api.Mount("/stripe/webhooks", func(r fiber.Router) { r.Post("", ok) })
	}
	app := newAppWith(t, appOptions{
		handler: sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_1", AcceptedBrands: []string{"visa"}}),
		extend:  mounts,
	})
	tests := []struct {
		method, path, token string
		want                int
	}{
		{http.MethodGet, "/m", "", http.StatusUnauthorized},
		{http.MethodGet, "/m", "token-0123456789", http.StatusOK},
		{http.MethodGet, "/m/x", "", http.StatusUnauthorized},
		{http.MethodGet, "/m/x", "token-0123456789", http.StatusNotFound},
		{http.MethodGet, "/mx", "", http.StatusNotFound},
		{http.MethodGet, "/metrics", "", http.StatusOK},
		{http.MethodGet, "/merchant/orders", "merchant-token-0123", http.StatusOK},
		{http.MethodGet, "/merchant/orders", "token-0123456789", http.StatusUnauthorized},
		{http.MethodGet, "/merchant/orders", "", http.StatusUnauthorized},
		{http.MethodPost, "/stripe/webhooks", "", http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path+" "+tc.token, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.want {
				t.Fatalf("%s %s = %d %s, want %d", tc.method, tc.path, resp.StatusCode, body, tc.want)
			}
		})
	}
}

// TestEncodeErrorsUnderPrefix: an API mounted under a prefix gets its own
// error shape for the errors the stack answers (authentication, unknown
// routes) at the prefix and below it, and nowhere else; an exact path
// given to EncodeErrorsAt keeps its own.
func TestEncodeErrorsUnderPrefix(t *testing.T) {
	t.Parallel()
	ok := func(c *fiber.Ctx) error { return c.SendString("ok") }
	mounts := func(api *httpapi.API, _ *checkout.Service) {
		api.Mount("/u", func(r fiber.Router) { r.Get("/x", ok); r.Post("/exact", ok) }, api.AgentsOnly())
		api.EncodeErrorsUnder("/u", func(ae *apierr.Error) []byte { return []byte(`{"shape":"prefix","code":"` + ae.Code + `"}`) })
		api.EncodeErrorsAt("/u/exact", func(ae *apierr.Error) []byte { return []byte(`{"shape":"exact"}`) })
	}
	app := newAppWith(t, appOptions{
		handler: sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_1", AcceptedBrands: []string{"visa"}}),
		extend:  mounts,
	})
	tests := []struct {
		path, token, want string
	}{
		{"/u", "", `"shape":"prefix"`},
		{"/u/x", "", `"shape":"prefix"`},
		{"/u/y", "token-0123456789", `"shape":"prefix"`},
		{"/u/exact", "", `"shape":"exact"`},
		{"/ux", "", `"type":"invalid_request"`},
		{"/checkout_sessions/cs_1", "", `"type":"invalid_request"`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode < 400 || !strings.Contains(string(body), tc.want) {
				t.Fatalf("GET %s = %d %s, want an error containing %s", tc.path, resp.StatusCode, body, tc.want)
			}
		})
	}
}
