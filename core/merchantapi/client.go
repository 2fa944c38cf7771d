package merchantapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/orders"
)

// Client calls a running server's merchant API.
type Client struct {
	// BaseURL is the server's base URL, e.g. http://127.0.0.1:8080.
	BaseURL string
	// Token is the merchant bearer token.
	Token string
	// HTTP is the client used; http.DefaultClient when nil.
	HTTP *http.Client
}

// List implements Admin.
func (c *Client) List(ctx context.Context, after string, limit int) ([]*model.Order, bool, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if after != "" {
		q.Set("starting_after", after)
	}
	var out struct {
		Data    []*model.Order `json:"data"`
		HasMore bool           `json:"has_more"`
	}
	err := c.call(ctx, http.MethodGet, "/merchant/orders?"+q.Encode(), nil, &out)
	return out.Data, out.HasMore, err
}

// Failed implements Admin.
func (c *Client) Failed(ctx context.Context, after string, limit int) ([]*model.FailedOrder, bool, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if after != "" {
		q.Set("starting_after", after)
	}
	var out struct {
		Data    []*model.FailedOrder `json:"data"`
		HasMore bool                 `json:"has_more"`
	}
	err := c.call(ctx, http.MethodGet, "/merchant/orders/failed?"+q.Encode(), nil, &out)
	return out.Data, out.HasMore, err
}

// Get implements Admin.
func (c *Client) Get(ctx context.Context, id string) (*model.Order, error) {
	return c.order(ctx, http.MethodGet, "/merchant/orders/"+url.PathEscape(id), nil)
}

// Fulfill implements Admin.
func (c *Client) Fulfill(ctx context.Context, id string, in orders.FulfillmentInput) (*model.Order, error) {
	return c.order(ctx, http.MethodPost, "/merchant/orders/"+url.PathEscape(id)+"/fulfillments", in)
}

// Adjust implements Admin.
func (c *Client) Adjust(ctx context.Context, id string, in orders.AdjustmentInput) (*model.Order, error) {
	return c.order(ctx, http.MethodPost, "/merchant/orders/"+url.PathEscape(id)+"/adjustments", in)
}

// Cancel implements Admin.
func (c *Client) Cancel(ctx context.Context, id string, in orders.CancelInput) (*model.Order, error) {
	return c.order(ctx, http.MethodPost, "/merchant/orders/"+url.PathEscape(id)+"/cancel", in)
}

// Events implements Admin.
func (c *Client) Events(ctx context.Context, state string, limit int) ([]Event, error) {
	q := url.Values{"state": {state}, "limit": {strconv.Itoa(limit)}}
	var out struct {
		Data []Event `json:"data"`
	}
	err := c.call(ctx, http.MethodGet, "/merchant/webhooks/events?"+q.Encode(), nil, &out)
	return out.Data, err
}

// Requeue implements Admin.
func (c *Client) Requeue(ctx context.Context, ids []string) (int, error) {
	var out struct {
		Requeued int `json:"requeued"`
	}
	err := c.call(ctx, http.MethodPost, "/merchant/webhooks/retry", map[string][]string{"ids": ids}, &out)
	return out.Requeued, err
}

func (c *Client) order(ctx context.Context, method, path string, in any) (*model.Order, error) {
	var o model.Order
	if err := c.call(ctx, method, path, in, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// call sends one request and decodes a 2xx answer into out; any other
// answer comes back as the server's *apierr.Error.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read response: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		ae := &apierr.Error{Status: resp.StatusCode}
		if json.Unmarshal(data, ae) != nil || ae.Message == "" {
			return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
		}
		return ae
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode response: %w", method, path, err)
	}
	return nil
}
