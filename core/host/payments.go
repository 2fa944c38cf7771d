package host

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/text"
	"github.com/acp-sidecar/acp/core/orders"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/core/payment/stripe"
	"github.com/acp-sidecar/acp/core/payment/stripe/stripehook"
)

// PaymentKinds are the payment handler kinds this build implements.
var PaymentKinds = []string{"sandbox", "stripe"}

// paymentHandlers builds the configured payment handlers, reading the
// Stripe secrets (which CheckSecrets checked) from the environment, and
// returns the signing secrets of
// the Stripe webhook endpoints.
func paymentHandlers(cfg *config.Config, getenv func(string) string, stripeClient *http.Client) ([]payment.Handler, []string, error) {
	var out []payment.Handler
	var webhookSecrets []string
	for i, h := range cfg.Payments.Handlers {
		switch h.Kind {
		case "sandbox":
			out = append(out, sandbox.New(sandbox.Config{
				ID: h.ID, DisplayName: h.DisplayName, MerchantID: h.MerchantID,
				AcceptedBrands: h.AcceptedBrands, MerchantName: cfg.Merchant.Name, UCP: sandboxUCP(h.UCP),
			}))
		case "stripe":
			path := fmt.Sprintf("payments.handlers[%d].stripe", i)
			key := getenv(h.Stripe.SecretKeyEnv) // checked by CheckSecrets
			if env := h.Stripe.WebhookSecretEnv; env != "" {
				webhookSecrets = append(webhookSecrets, getenv(env))
			}
			handler, err := stripe.New(stripe.Config{
				ID: h.ID, DisplayName: h.DisplayName, MerchantID: h.MerchantID, AcceptedBrands: h.AcceptedBrands,
				SecretKey: key, StripeVersion: h.Stripe.APIVersion, CheckToken: h.Stripe.CheckToken, APIBaseURL: h.Stripe.APIBaseURL,
				AuthenticationMetadata: authenticationMetadata(h.Stripe.ThreeDS, cfg.Merchant.Name),
				External3DS:            h.Stripe.ThreeDS != nil && h.Stripe.ThreeDS.External,
				HTTPClient:             stripeClient,
				MaxNetworkRetries:      h.Stripe.MaxNetworkRetries,
				UCP:                    stripeUCP(h.UCP),
			})
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", path, err)
			}
			out = append(out, handler)
		}
	}
	return out, webhookSecrets, nil
}

// stripeWebhook is the /stripe/webhooks handler, or nil when no Stripe
// handler has a webhook secret.
func stripeWebhook(secrets []string, svc *checkout.Service, orders *orders.Service, logger *slog.Logger) fiber.Handler {
	if len(secrets) == 0 {
		return nil
	}
	return stripehook.New(secrets, svc, orders, logger.With("component", "stripe-webhooks")).Serve
}

// authenticationMetadata is the ACP authentication_metadata a Stripe
// handler returns when 3D Secure is needed; nil without three_ds.
func authenticationMetadata(t *config.ThreeDS, merchantName string) json.RawMessage {
	if t == nil {
		return nil
	}
	details := map[string]any{
		"acquirer_bin":         t.AcquirerBIN,
		"acquirer_country":     t.AcquirerCountry,
		"acquirer_merchant_id": t.AcquirerMerchantID,
		"merchant_name":        text.Truncate(merchantName, 40),
	}
	if t.RequestorID != "" {
		details["requestor_id"] = t.RequestorID
	}
	data, _ := json.Marshal(map[string]any{"acquirer_details": details, "directory_server": t.DirectoryServer}) // maps of strings always marshal
	return data
}
