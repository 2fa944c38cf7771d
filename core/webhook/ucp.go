package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/dunglas/httpsfv"

	"github.com/acp-sidecar/acp/core/internal/outbound"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/ucp"
)

// The Standard Webhooks headers of a UCP order event (order.md, "Order
// Event Webhook"), both covered by its signature.
const (
	// HeaderWebhookID is the event's ID, the same on every attempt:
	// receivers deduplicate by it.
	HeaderWebhookID = "Webhook-Id"
	// HeaderWebhookTimestamp is when the attempt was made, in Unix
	// seconds.
	HeaderWebhookTimestamp = "Webhook-Timestamp"
)

// ucpRequest is the request delivering the UCP event e at now to its URL,
// which must be https (http only with AllowPrivateNetworks): signed by
// s.Signer over @method, @authority, @path, @query (when there is one),
// ucp-agent, content-digest, content-type, webhook-id and
// webhook-timestamp. A refused URL is an ErrForbiddenAddress.
func (d *Deliverer) ucpRequest(ctx context.Context, s *UCPSigning, e *model.WebhookEvent, now time.Time) (*http.Request, error) {
	if err := checkEventURL(e.URL, d.allowPrivate); err != nil {
		return nil, fmt.Errorf("%w: the UCP event's URL %w", ErrForbiddenAddress, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(e.Payload))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBuildRequest, outbound.WithoutURL(err))
	}
	agent, err := httpsfv.Marshal(profileDict(s.Profile))
	if err != nil {
		return nil, fmt.Errorf("%w: UCP-Agent: the business profile URL cannot be sent: %w", errBuildRequest, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(ucp.HeaderAgent, agent)
	req.Header.Set(HeaderWebhookID, e.ID)
	req.Header.Set(HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	if err := s.Signer.SignRequest(req, e.Payload, now, HeaderWebhookID, HeaderWebhookTimestamp); err != nil {
		return nil, fmt.Errorf("%w: %w", errBuildRequest, err)
	}
	return req, nil
}

// profileDict is the UCP-Agent dictionary naming profile.
func profileDict(profile string) *httpsfv.Dictionary {
	d := httpsfv.NewDictionary()
	d.Add("profile", httpsfv.NewItem(profile))
	return d
}

// checkEventURL returns why raw cannot receive a UCP event, or nil: it
// must be an absolute https URL (http only when allowHTTP) without user
// information. The client checks the addresses its host resolves to.
func checkEventURL(raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return errors.New("is not an absolute URL")
	case u.User != nil:
		return errors.New("must not contain user information")
	case u.Scheme == "https", u.Scheme == "http" && allowHTTP:
		return nil
	}
	return errors.New("must be https")
}
