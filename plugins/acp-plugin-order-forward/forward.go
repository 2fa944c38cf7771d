package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// userAgent identifies the plugin to the intake.
const userAgent = "acp-plugin-order-forward/" + version

// maxResponseBody bounds the intake's answer read into memory.
const maxResponseBody = 1 << 20

// maxRetryAfter caps the pause a Retry-After header may ask for.
const maxRetryAfter = time.Minute

// Under a call deadline: minAttemptTimeout is the least time a retry is
// given (none starts with less left), and the plugin means to answer a
// tenth of the call's time, at most maxReplyMargin, before the deadline,
// so that its failure reaches the host before the host's own timeout.
const (
	minAttemptTimeout = 50 * time.Millisecond
	maxReplyMargin    = 100 * time.Millisecond
)

// Failure reasons, as the host logs them.
const (
	reasonRejected    = "intake_rejected"
	reasonUnavailable = "intake_unavailable"
)

// orderBody is the JSON body POSTed for a placed order; see the package
// documentation.
type orderBody struct {
	OrderID              string       `json:"order_id"`
	CheckoutSessionID    string       `json:"checkout_session_id"`
	Currency             string       `json:"currency"`
	Lines                []lineBody   `json:"lines"`
	Total                int64        `json:"total"`
	Destination          *acp.Address `json:"destination,omitempty"`
	FulfillmentOptionIDs []string     `json:"fulfillment_option_ids"`
	Buyer                *buyerBody   `json:"buyer,omitempty"`
	// Recipient is the checkout's fulfillment contact, who receives the
	// items at Destination (protocol 1.2).
	Recipient *recipientBody `json:"recipient,omitempty"`
	// FulfillmentGroups are the groups of a split checkout (protocol 1.2).
	FulfillmentGroups []groupBody `json:"fulfillment_groups,omitempty"`
	// Discounts are the discounts applied to the order (protocol 1.3).
	Discounts []discountBody `json:"discounts,omitempty"`
	insightsBody
}

// discountBody is one discount applied to the order.
type discountBody struct {
	ID          string           `json:"id"`
	Code        string           `json:"code,omitempty"`
	Name        string           `json:"name"`
	Automatic   bool             `json:"automatic"`
	Amount      int64            `json:"amount"`
	Allocations []allocationBody `json:"allocations"`
}

// allocationBody is the part of a discount taken off one line or one
// fulfillment option's charge.
type allocationBody struct {
	LineID              string `json:"line_id,omitempty"`
	FulfillmentOptionID string `json:"fulfillment_option_id,omitempty"`
	Amount              int64  `json:"amount"`
}

// newDiscountBodies are the order's discounts; nil when none.
func newDiscountBodies(discounts []fulfillment.Discount) []discountBody {
	var out []discountBody
	for _, d := range discounts {
		db := discountBody{ID: d.ID, Code: d.Code, Name: d.Name, Automatic: d.Automatic, Amount: d.Amount, Allocations: []allocationBody{}}
		for _, a := range d.Allocations {
			db.Allocations = append(db.Allocations, allocationBody{LineID: a.LineID, FulfillmentOptionID: a.OptionID, Amount: a.Amount})
		}
		out = append(out, db)
	}
	return out
}

// groupBody is one fulfillment group of a split checkout.
type groupBody struct {
	ID                  string         `json:"id"`
	Type                string         `json:"type"`
	LineIDs             []string       `json:"line_ids"`
	Destination         *acp.Address   `json:"destination,omitempty"`
	Recipient           *recipientBody `json:"recipient,omitempty"`
	LocationID          string         `json:"location_id,omitempty"`
	Instructions        string         `json:"instructions,omitempty"`
	FulfillmentOptionID string         `json:"fulfillment_option_id,omitempty"`
	Amount              int64          `json:"amount"`
}

// recipientBody is a fulfillment contact: the checkout's or a group's.
type recipientBody struct {
	Name        string `json:"name,omitempty"`
	Email       string `json:"email,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

// lineBody is one ordered line.
type lineBody struct {
	ID        string `json:"id"`
	ItemID    string `json:"item_id"`
	ProductID string `json:"product_id,omitempty"`
	Title     string `json:"title"`
	Quantity  int64  `json:"quantity"`
	UnitPrice int64  `json:"unit_price"`
	Total     int64  `json:"total"`
}

// buyerBody is the buyer's contact.
type buyerBody struct {
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

// cancelBody is the JSON body POSTed for a cancellation.
type cancelBody struct {
	OrderID string `json:"order_id"`
	Reason  string `json:"reason"`
}

// intakeAnswer is what the intake may answer to a placed order.
type intakeAnswer struct {
	OrderNumber  json.RawMessage `json:"order_number"`
	PermalinkURL string          `json:"permalink_url"`
}

// newOrderBody renders a placement as the intake receives it.
func newOrderBody(req *fulfillment.PlaceOrderRequest) orderBody {
	b := orderBody{
		OrderID: req.OrderID, CheckoutSessionID: req.CheckoutSessionID, Currency: req.Currency, Total: req.Total,
		Lines: make([]lineBody, len(req.Lines)), Destination: req.Destination, FulfillmentOptionIDs: append([]string{}, req.OptionIDs...),
		insightsBody: newInsightsBody(req),
	}
	for i, l := range req.Lines {
		b.Lines[i] = lineBody{ID: l.ID, ItemID: l.ItemID, ProductID: l.ProductID, Title: l.Title, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Total: l.Total}
	}
	if by := req.Buyer; by != nil {
		b.Buyer = &buyerBody{FirstName: by.FirstName, LastName: by.LastName, Email: by.Email, PhoneNumber: by.PhoneNumber}
	}
	for _, g := range req.Groups {
		gb := groupBody{
			ID: g.ID, Type: string(g.Type), LineIDs: append([]string{}, g.LineIDs...), Destination: g.Destination,
			LocationID: g.LocationID, Instructions: g.Instructions, FulfillmentOptionID: g.OptionID, Amount: g.Amount,
		}
		gb.Recipient = newRecipientBody(g.RecipientName, g.RecipientEmail, g.RecipientPhone)
		b.FulfillmentGroups = append(b.FulfillmentGroups, gb)
	}
	b.Recipient = newRecipientBody(req.RecipientName, req.RecipientEmail, req.RecipientPhone)
	b.Discounts = newDiscountBodies(req.Discounts)
	return b
}

// newRecipientBody is a fulfillment contact; nil when nothing of it is
// known.
func newRecipientBody(name, email, phone string) *recipientBody {
	if name == "" && email == "" && phone == "" {
		return nil
	}
	return &recipientBody{Name: name, Email: email, PhoneNumber: phone}
}

// PlaceOrder POSTs the order to the intake and returns the order number
// and permalink it answers with, if any.
func (f *forwarder) PlaceOrder(ctx context.Context, req *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
	s := f.settings.Load()
	if s == nil {
		return nil, errors.New("order forward not configured")
	}
	if req.OrderID == "" {
		return nil, errors.New("place order: the order id is empty")
	}
	body, err := json.Marshal(newOrderBody(req))
	if err != nil {
		return nil, fmt.Errorf("place order %s: %w", req.OrderID, err)
	}
	key := req.IdempotencyKey
	if key == "" {
		key = req.OrderID
	}
	answer, err := f.post(ctx, s, "place order "+req.OrderID, s.orderURL, key, body, reasonRejected)
	if err != nil {
		return nil, err
	}
	return f.parseAnswer(req.OrderID, answer), nil
}

// parseAnswer reads the intake's optional answer; anything unusable in
// it is logged and ignored: the order is placed either way.
func (f *forwarder) parseAnswer(orderID string, data []byte) *fulfillment.PlaceOrderResponse {
	resp := &fulfillment.PlaceOrderResponse{}
	if len(bytes.TrimSpace(data)) == 0 {
		return resp
	}
	var a intakeAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		f.logger.Warn("the order intake's answer is not a JSON object; ignoring it", "order_id", orderID)
		return resp
	}
	if n := bytes.TrimSpace(a.OrderNumber); len(n) > 0 && !bytes.Equal(n, []byte("null")) {
		var text string
		switch {
		case json.Unmarshal(n, &text) == nil:
			resp.OrderNumber = text
		case json.Valid(n) && strings.Trim(string(n), "0123456789") == "":
			resp.OrderNumber = string(n)
		default:
			f.logger.Warn("the order intake's order_number is neither a string nor a whole number; ignoring it", "order_id", orderID)
		}
	}
	if a.PermalinkURL != "" {
		if _, err := checkURL(a.PermalinkURL); err != nil {
			f.logger.Warn("the order intake's permalink_url is not an absolute http(s) URL; ignoring it", "order_id", orderID)
		} else {
			resp.PermalinkURL = a.PermalinkURL
		}
	}
	return resp
}

// CancelOrder POSTs the cancellation to cancel_url.
func (f *forwarder) CancelOrder(ctx context.Context, req *fulfillment.CancelOrderRequest) error {
	s := f.settings.Load()
	if s == nil {
		return errors.New("order forward not configured")
	}
	if req.OrderID == "" {
		return errors.New("cancel order: the order id is empty")
	}
	body, err := json.Marshal(cancelBody{OrderID: req.OrderID, Reason: req.Reason})
	if err != nil {
		return fmt.Errorf("cancel order %s: %w", req.OrderID, err)
	}
	target := strings.ReplaceAll(s.cancelURL, orderIDPlaceholder, escapeID(req.OrderID))
	// A 404 says the intake never stored the order: the host counts it as
	// canceled (an order it gave up waiting for may never have arrived).
	_, err = f.post(ctx, s, "cancel order "+req.OrderID, target, "cancel:"+req.OrderID, body, acp.CodeNotFound)
	return err
}

// escapeID escapes an order id for any part of a URL, path or query.
func escapeID(id string) string {
	return strings.ReplaceAll(url.QueryEscape(id), "+", "%20")
}

// sign returns the ACP-Signature header value of body at time t.
func sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// post POSTs body to target, retrying as the package documentation says,
// and returns the 2xx answer's body. what names the request in errors;
// notFound is the reason of the refusal a 404 answers.
func (f *forwarder) post(ctx context.Context, s *settings, what, target, key string, body []byte, notFound string) ([]byte, error) {
	start := time.Now()
	// end is when the plugin means to have answered: a little before the
	// call's deadline, if it has one.
	end, bounded := ctx.Deadline()
	if bounded {
		end = end.Add(-min(end.Sub(start)/10, maxReplyMargin))
	}
	backoff := s.initialBackoff
	var last error
	for attempt := 1; ; attempt++ {
		timeout := s.timeout
		if bounded {
			timeout = min(timeout, attemptTimeout(time.Until(end), s.maxAttempts-attempt+1, backoff))
		}
		status, answer, retryAfter, err := f.attempt(ctx, s, timeout, target, key, body)
		switch {
		case err == nil && status/100 == 2:
			f.logger.Info("forwarded", "request", what, "intake", redact(target), "status", status, "attempts", attempt,
				"duration_ms", time.Since(start).Milliseconds())
			return answer, nil
		case err == nil && !retryableStatus(status):
			f.logger.Warn("the order intake refused a request", "request", what, "intake", redact(target), "status", status)
			reason := reasonRejected
			if status == http.StatusNotFound {
				reason = notFound
			}
			return nil, acp.WithReason(acp.Downstream(fmt.Errorf("%s: the order intake %s answered %d", what, redact(target), status)), reason)
		case err == nil:
			last = fmt.Errorf("the order intake %s answered %d", redact(target), status)
		default:
			last = err
		}
		if ctx.Err() != nil {
			return nil, f.exhausted(what, attempt, fmt.Errorf("%w (last attempt: %w)", ctx.Err(), last))
		}
		if attempt >= s.maxAttempts {
			return nil, f.exhausted(what, attempt, last)
		}
		wait := max(backoff, retryAfter)
		if bounded && time.Until(end)-wait < minAttemptTimeout {
			return nil, f.exhausted(what, attempt, fmt.Errorf("%w; not retrying: the call's deadline comes before another attempt could be made (next in %v)", last, wait))
		}
		f.logger.Warn("retrying", "request", what, "intake", redact(target), "attempt", attempt, "error", last.Error(), "wait_ms", wait.Milliseconds())
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, f.exhausted(what, attempt, fmt.Errorf("%w (last attempt: %w)", ctx.Err(), last))
		case <-timer.C:
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// attemptTimeout returns the time one attempt may take when avail is
// left before the call must be answered and left attempts remain, the
// next pause being backoff: avail, less the pauses between the attempts,
// shared equally between them. When that share would be below
// minAttemptTimeout it plans for fewer attempts, down to one, which gets
// all of avail.
func attemptTimeout(avail time.Duration, left int, backoff time.Duration) time.Duration {
	for n := left; n > 1; n-- {
		var pauses time.Duration
		for i, b := 0, backoff; i < n-1; i, b = i+1, min(b*2, maxBackoff) {
			pauses += b
		}
		if share := (avail - pauses) / time.Duration(n); share >= minAttemptTimeout {
			return share
		}
	}
	return avail
}

// exhausted is the failure after the last attempt: retryable, since the
// intake may be back later and the idempotency key makes a retry safe.
// A context error in last stays reachable with errors.Is.
func (f *forwarder) exhausted(what string, attempts int, last error) error {
	f.logger.Error("giving up", "request", what, "attempts", attempts, "error", last.Error())
	err := fmt.Errorf("%s: %d attempt(s) failed: %w", what, attempts, last)
	return acp.WithReason(acp.Retryable(acp.Downstream(err)), reasonUnavailable)
}

// attempt makes one signed POST, of at most timeout, returning the
// answer's status, body and Retry-After pause, or the error that kept it
// from being answered. An attempt that runs out of its own time fails
// with a plain error, not context.DeadlineExceeded: that error is kept
// for the call's own context, which the SDK reports to the host as the
// call's timeout rather than as the plugin's failure.
func (f *forwarder) attempt(ctx context.Context, s *settings, timeout time.Duration, target, key string, body []byte) (int, []byte, time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	failed := func(step string, err error) error {
		if ctx.Err() == nil && actx.Err() != nil {
			return fmt.Errorf("POST %s%s: no answer within %v", redact(target), step, timeout.Round(time.Millisecond))
		}
		return fmt.Errorf("POST %s%s: %w", redact(target), step, err)
	}
	req, err := http.NewRequestWithContext(actx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, nil, 0, fmt.Errorf("POST %s: %w", redact(target), err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("ACP-Signature", sign(s.secret, time.Now(), body))
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, nil, 0, failed("", unwrapURLError(err))
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return 0, nil, 0, failed(": reading the answer", err)
	}
	return resp.StatusCode, answer, retryAfter(resp.Header.Get("Retry-After"), time.Now()), nil
}

// retryableStatus reports whether an answer with this status may be
// retried: a timeout, too early, too many requests, or a server error.
func retryableStatus(status int) bool {
	switch {
	case status == http.StatusRequestTimeout, status == http.StatusTooEarly, status == http.StatusTooManyRequests:
		return true
	case status >= 500 && status <= 599:
		return true
	}
	return false
}

// retryAfter parses a Retry-After header (seconds or an HTTP date) into a
// pause of at most maxRetryAfter; 0 when absent or unusable.
func retryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		d = time.Duration(min(max(secs, 0), int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(value); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the
// full URL (query included).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// drain reads and closes a response body so the connection is reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	_ = resp.Body.Close()
}
