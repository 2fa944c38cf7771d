package httpapi_test

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/httpapi"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
)

// TestAddedRouteReplays: a state-changing route added with nothing but its
// path, success status and engine call (no call to make first, nothing
// set aside for the idempotency layer) stores its response inside the
// engine's transaction, with its own status, and replays it byte for
// byte without calling the engine again.
func TestAddedRouteReplays(t *testing.T) {
	t.Parallel()
	var (
		mu       sync.Mutex
		recorded []checkout.Recorder
	)
	touch := func(api *httpapi.API, svc *checkout.Service) {
		api.AddChange("/:id/touch", http.StatusAccepted, func(c *fiber.Ctx, _ acpwire.Codec, rec checkout.Recorder) (*model.Session, error) {
			mu.Lock()
			recorded = append(recorded, rec)
			mu.Unlock()
			return svc.Update(c.UserContext(), "agent", c.Params("id"), checkout.UpdateInput{}, rec)
		})
	}
	app := newAppWith(t, appOptions{handler: sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_1", AcceptedBrands: []string{"visa"}}), extend: touch})
	status, _, body := call(t, app, "/checkout_sessions", "c1", `{"line_items":[{"id":"ebook"}],"currency":"usd","capabilities":{}}`)
	if status != http.StatusCreated {
		t.Fatalf("create = %d %s", status, body)
	}
	id := body[strings.Index(body, `"id":"`)+6:]
	id = id[:strings.Index(id, `"`)]

	status, header, first := call(t, app, "/checkout_sessions/"+id+"/touch", "t1", "{}")
	if status != http.StatusAccepted || header.Get("Idempotent-Replayed") != "" || !strings.Contains(first, `"id":"`+id+`"`) {
		t.Fatalf("touch = %d %v %s, want a fresh 202 with the session", status, header, first)
	}
	if len(recorded) != 1 {
		t.Fatalf("the engine was called %d times, want once", len(recorded))
	}
	if !bytes.Equal(httpapi.StoredBody(recorded[0]), []byte(first)) {
		t.Fatalf("the engine's transaction stored %q, want the response sent:\n%s", httpapi.StoredBody(recorded[0]), first)
	}
	status, header, again := call(t, app, "/checkout_sessions/"+id+"/touch", "t1", "{}")
	if status != http.StatusAccepted || header.Get("Idempotent-Replayed") != "true" || again != first {
		t.Fatalf("touch again = %d %v %s, want the first 202 replayed byte for byte:\n%s", status, header, again, first)
	}
	if len(recorded) != 1 {
		t.Fatalf("the engine was called %d times, want once", len(recorded))
	}
}
