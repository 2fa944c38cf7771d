package checkout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/internal/ids"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// Capabilities are the providers the engine prices and fulfills through.
type Capabilities struct {
	Catalog     catalog.Catalog
	Tax         tax.Tax
	Shipping    shipping.Shipping
	Fulfillment fulfillment.Fulfillment
	// Discounts decides the cart's discounts: the catalog plugin's
	// catalog.discounts, else the promotions in acp.yaml; nil gives none.
	Discounts catalog.Discounts
}

// Options configure the engine.
type Options struct {
	// Store persists sessions and orders.
	Store store.Store
	// Capabilities price and fulfill.
	Capabilities Capabilities
	// Handlers are the payment handlers, in advertising order.
	Handlers []payment.Handler
	// Currency is the only currency sessions may use.
	Currency string
	// CurrencyExponent is Currency's minor-unit exponent (2 for usd), for
	// showing amounts to the buyer.
	CurrencyExponent int
	// SessionLifetime is how long a session stays open.
	SessionLifetime time.Duration
	// OrderPermalinkTemplate builds permalinks; "{order_id}" is replaced.
	OrderPermalinkTemplate string
	// Interventions are the seller's supported and required interventions.
	Interventions model.Interventions
	// Escalation is the seller's rules for sending a purchase to the
	// store's own page (escalation.go).
	Escalation Escalation
	// Orders stores placed orders with their order events; when nil,
	// orders are stored without events.
	Orders OrderSink
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// CaptureMethods says, per payment handler id, whether new attempts
	// authorize and capture after the order is accepted
	// (payment.CaptureManual, the default) or capture at once.
	CaptureMethods map[string]payment.CaptureMethod
	// PlacementDeadline is how long an attempt may wait for the order
	// system before its money is released; DefaultPlacementDeadline when
	// zero.
	PlacementDeadline time.Duration
	// OrderCanceler cancels an order whose capture was refused.
	OrderCanceler OrderCanceler
	// MoneyReporter hears what happened to the money of every attempt
	// that did not complete normally; optional.
	MoneyReporter MoneyReporter
	// Logger logs those outcomes; discarded when nil.
	Logger *slog.Logger
	// TrackStock turns stock control on: the SKUs the store keeps a stock
	// level of are reserved when a payment attempt starts and sold when
	// its order is placed (stock.go). Off, stock is the catalog's figure
	// and is never counted against.
	TrackStock bool
	// PluginStock, when set, is the catalog plugin's stock reservations
	// (the plugin announces catalog.stock_reservations): every payment
	// attempt holds its units through it (pluginstock.go). TrackStock is
	// then off: the plugin counts the stock.
	PluginStock catalog.StockReservations
	// PluginStockProvider names the plugin PluginStock calls, as recorded
	// with each hold.
	PluginStockProvider string
	// SessionLease is how long a call holds a session's lease between two
	// renewals (leases.go); DefaultSessionLease when zero.
	SessionLease time.Duration
	// StockAttention, when set, hears of every catalog-plugin hold the
	// seller must look at (one of the Attention* causes), besides the
	// Error log line; the host counts them in a metric.
	StockAttention func(provider, cause string)
	// MarketingChannels are the marketing consent channels the seller
	// offers; a consent for any other channel is dropped.
	MarketingChannels []string
	// InsightsRetention is how long an order keeps its insights
	// (Order.Insights.ExpiresAt); kept until erased by hand when zero.
	InsightsRetention time.Duration
	// CancelReason, when set, hears the reason code of every cancel
	// (InsightReason: a known code, "other", or "none" without a trace).
	CancelReason func(code string)
	// OrderAttributed, when set, hears the provider credited with every
	// order placed with an affiliate attribution (the first touch when
	// there is one: the first valid claim wins).
	OrderAttributed func(provider string)
}

// OrderSink stores a placed order, with whatever must be written beside
// it, inside the transaction that completes its checkout.
type OrderSink interface {
	// Placed stores the new order in tx.
	Placed(tx store.Tx, o *model.Order) error
	// Notify is called after the transaction that called Placed commits.
	Notify()
}

// storeOnly is the OrderSink of a server without order events.
type storeOnly struct{}

func (storeOnly) Placed(tx store.Tx, o *model.Order) error { return tx.PutOrder(o) }
func (storeOnly) Notify()                                  {}

// Service is the checkout engine.
type Service struct {
	opts     Options
	handlers map[string]payment.Handler
	now      func() time.Time
}

// New returns an engine.
func New(opts Options) *Service {
	s := &Service{opts: opts, handlers: map[string]payment.Handler{}, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	if s.opts.Orders == nil {
		s.opts.Orders = storeOnly{}
	}
	for _, h := range opts.Handlers {
		s.handlers[h.Descriptor().ID] = h
	}
	return s
}

// Handlers returns the payment handlers in advertising order.
func (s *Service) Handlers() []payment.Handler { return s.opts.Handlers }

// Create opens a new session for agent under API version. An empty
// currency (API versions before 2026-01-30 carry none) means the seller's.
// rec, when set, records the request's outcome with the new session.
func (s *Service) Create(ctx context.Context, agent, version string, in CreateInput, rec Recorder) (*model.Session, error) {
	if in.Currency != "" && !strings.EqualFold(in.Currency, s.opts.Currency) {
		return nil, apierr.Invalid(apierr.CodeUnsupportedCurrency, "$.currency",
			"This seller sells in %s only; currency %q is not supported.", strings.ToUpper(s.opts.Currency), in.Currency)
	}
	now := s.now().UTC()
	sess := &model.Session{
		ID:                 ids.New("cs_"),
		Agent:              agent,
		APIVersion:         version,
		Currency:           s.opts.Currency,
		CreatedAt:          now,
		UpdatedAt:          now,
		ExpiresAt:          now.Add(s.opts.SessionLifetime),
		Buyer:              in.Buyer,
		Lines:              newLines(in.Items),
		FulfillmentDetails: in.FulfillmentDetails,
		Interventions:      s.negotiate(in.AgentInterventions),
		Locale:             in.Locale,
		Timezone:           in.Timezone,
		QuoteID:            in.QuoteID,
		Metadata:           in.Metadata,
		OrderNotes:         in.OrderNotes,
		UCP:                in.UCP,
	}
	sess.WriteOnly.AgentCapabilities = in.AgentCapabilities
	sess.Discounts = s.newDiscounts(version, in)
	sess.WriteOnly.FirstTouchAttribution = attributionJSON(in.Attribution)
	groups, err := resolveGroups(sess.Lines, in.Groups)
	if err != nil {
		return nil, err
	}
	sess.Groups = groups
	if err := s.price(ctx, sess, nil); err != nil {
		return nil, err
	}
	var unused []Notice
	if version >= firstDiscountVersion { // earlier versions have no codes to send
		unused = s.unusedCodes(sess, in.DiscountCodes)
	}
	notify(sess, append(in.Notices, unused...))
	if err := s.commitNew(ctx, sess, rec); err != nil {
		return nil, fmt.Errorf("store new session: %w", err)
	}
	return sess, nil
}

// Get returns the session as the agent may see it.
func (s *Service) Get(ctx context.Context, agent, id string) (*model.Session, error) {
	sess, err := store.Read(ctx, s.opts.Store, func(r store.Reader) (*model.Session, error) { return s.load(r, agent, id) })
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// Update applies an update request. rec, when set, records the request's
// outcome with the updated session.
//
// An update while the buyer is on the issuer's challenge page gives that
// payment attempt up (abandonAuthentication) and, once the session is
// stored, releases its payment (releaseChallenge).
func (s *Service) Update(ctx context.Context, agent, id string, in UpdateInput, rec Recorder) (*model.Session, error) {
	abandoned := false
	sess, err := s.modify(ctx, agent, id, rec, func(sess *model.Session) error {
		if err := refuseChange(sess, "updated"); err != nil {
			return err
		}
		abandoned = challengeWaiting(sess)
		abandonAuthentication(sess)
		if in.Buyer.Set {
			sess.Buyer = in.Buyer.V
		}
		if in.Items.Set {
			sess.Lines = newLines(in.Items.V)
			sess.Groups = pruneGroups(sess.Groups, sess.Lines)
		}
		if in.Groups.Set {
			groups, err := resolveGroups(sess.Lines, in.Groups.V)
			if err != nil {
				return err
			}
			sess.Groups = groups
		}
		if in.FulfillmentDetails.Set {
			sess.FulfillmentDetails = in.FulfillmentDetails.V
		}
		if in.OrderNotes.Set {
			sess.OrderNotes = in.OrderNotes.V
		}
		if in.DiscountCodes.Set {
			setDiscountCodes(sess, in.DiscountCodes.V)
		}
		var selections []SelectionInput
		if in.Selections.Set {
			selections = in.Selections.V
			if in.Selections.Null {
				sess.Chosen = nil
			}
		}
		if err := s.price(ctx, sess, selections); err != nil {
			return err
		}
		var codes []string
		if in.DiscountCodes.Set {
			codes = in.DiscountCodes.V
		}
		notify(sess, append(in.Notices, s.unusedCodes(sess, codes)...))
		return nil
	})
	if err == nil && abandoned {
		s.releaseChallenge(ctx, sess)
	}
	return sess, err
}

// Cancel cancels the session. Completed and canceled sessions answer 405.
// rec, when set, records the request's outcome with the canceled session.
// A cancel while the buyer is on the issuer's challenge page releases that
// attempt's payment once the session is stored (releaseChallenge).
func (s *Service) Cancel(ctx context.Context, agent, id string, in CancelInput, rec Recorder) (*model.Session, error) {
	abandoned := false
	sess, err := s.modify(ctx, agent, id, rec, func(sess *model.Session) error {
		switch sess.Status {
		case model.StatusCompleted:
			return apierr.New(http.StatusMethodNotAllowed, apierr.TypeInvalidRequest, apierr.CodeSessionCompleted,
				"Checkout session %s is completed and cannot be canceled.", sess.ID)
		case model.StatusCanceled:
			return apierr.New(http.StatusMethodNotAllowed, apierr.TypeInvalidRequest, apierr.CodeSessionCanceled,
				"Checkout session %s is already canceled.", sess.ID)
		case model.StatusCompleteInProgress:
			return inProgress(sess)
		}
		abandoned = challengeWaiting(sess)
		abandonAuthentication(sess)
		sess.Status = model.StatusCanceled
		// What asked the buyer or the agent to act no longer applies;
		// the notices about members stay.
		sess.Messages = slices.DeleteFunc(sess.Messages, func(m acp.Message) bool { return m.Type != acp.MessageInfo })
		sess.WriteOnly.IntentTrace = in.IntentTrace
		return nil
	})
	if err == nil {
		s.reportCancel(in.IntentTrace)
		if abandoned {
			s.releaseChallenge(ctx, sess)
		}
	}
	return sess, err
}

// modify loads the session under its lease (leases.go), applies change and stores the
// result with rec. A change that returns an error stores nothing.
func (s *Service) modify(ctx context.Context, agent, id string, rec Recorder, change func(*model.Session) error) (*model.Session, error) {
	return s.underLease(ctx, id, func(ctx context.Context) (*model.Session, error) {
		sess, err := s.Get(ctx, agent, id)
		if err != nil {
			return nil, err
		}
		if err := change(sess); err != nil {
			return nil, err
		}
		if err := s.save(ctx, sess, rec); err != nil {
			return nil, err
		}
		return sess, nil
	}, changedMeanwhile)
}

// save stores the session as the request's outcome, together with what
// rec records.
func (s *Service) save(ctx context.Context, sess *model.Session, rec Recorder) error {
	sess.UpdatedAt = s.now().UTC()
	if err := s.commit(ctx, sess, rec, nil); err != nil {
		return fmt.Errorf("store session %s: %w", sess.ID, err)
	}
	return nil
}

// checkpoint stores an intermediate state that must survive a crash (a
// payment attempt about to start) but is not the request's outcome. Like
// commit, it settles the stock the session held when the state ends its
// payment attempt (stock.go).
func (s *Service) checkpoint(ctx context.Context, sess *model.Session) error {
	sess.UpdatedAt = s.now().UTC()
	if err := s.storeSettled(ctx, sess, func(tx store.Tx) error { return tx.PutSession(sess) }); err != nil {
		return fmt.Errorf("store session %s: %w", sess.ID, err)
	}
	return nil
}

// load reads a session the agent owns, marking it expired when its time is
// up. Another agent's session is reported as not found.
func (s *Service) load(r store.Reader, agent, id string) (*model.Session, error) {
	sess, err := r.Session(id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && sess.Agent != agent) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("load session %s: %w", id, err)
	}
	s.expire(sess)
	return sess, nil
}

// expire marks an open session whose lifetime has passed as expired. An
// attempt in progress is not expired: its outcome must be resolved first.
func (s *Service) expire(sess *model.Session) {
	if sess.Status.Terminal() || sess.Status == model.StatusCompleteInProgress {
		return
	}
	if !s.now().Before(sess.ExpiresAt) {
		abandonAuthentication(sess)
		sess.Status = model.StatusExpired
	}
}

// negotiate intersects the agent's interventions with the seller's.
func (s *Service) negotiate(agent []string) model.Interventions {
	seller := s.opts.Interventions
	out := model.Interventions{Supported: []string{}, Required: slices.Clone(seller.Required), Enforcement: seller.Enforcement}
	if out.Required == nil {
		out.Required = []string{}
	}
	for _, iv := range seller.Supported {
		if slices.Contains(agent, iv) {
			out.Supported = append(out.Supported, iv)
		}
	}
	return out
}

// refuseChange rejects changes to sessions that can no longer change.
func refuseChange(sess *model.Session, verb string) error {
	switch sess.Status {
	case model.StatusCompleted:
		return apierr.Invalid(apierr.CodeSessionCompleted, "", "Checkout session %s is completed and cannot be %s.", sess.ID, verb)
	case model.StatusCanceled:
		return apierr.Invalid(apierr.CodeSessionCanceled, "", "Checkout session %s is canceled and cannot be %s.", sess.ID, verb)
	case model.StatusExpired:
		return apierr.Invalid(apierr.CodeSessionExpired, "", "Checkout session %s expired at %s and cannot be %s; create a new session.",
			sess.ID, sess.ExpiresAt.Format(time.RFC3339), verb)
	case model.StatusCompleteInProgress:
		return inProgress(sess)
	}
	return nil
}

func inProgress(sess *model.Session) *apierr.Error {
	e := apierr.New(http.StatusConflict, apierr.TypeInvalidRequest, apierr.CodeSessionInProgress,
		"A payment for checkout session %s is being resolved; call complete again to finish it.", sess.ID)
	e.RetryAfterSeconds = 1
	return e
}

func notFound(id string) *apierr.Error {
	return apierr.New(http.StatusNotFound, apierr.TypeInvalidRequest, apierr.CodeNotFound, "Checkout session %q was not found.", id)
}

// newLines turns requested items into lines with stable ids: "li_" plus
// the item id, with a counter for repeated items. Stable ids let option
// selections survive a replacement of the line items.
func newLines(items []ItemInput) []model.Line {
	lines := make([]model.Line, len(items))
	used := make(map[string]bool, len(items))
	for i, it := range items {
		id := "li_" + it.ID
		for n := 2; used[id]; n++ {
			id = fmt.Sprintf("li_%s_%d", it.ID, n)
		}
		used[id] = true
		lines[i] = model.Line{ID: id, ItemID: it.ID, Quantity: it.Quantity}
	}
	return lines
}

// abandonAuthentication drops a payment attempt that waits for 3DS when
// the cart changes (the authenticated amount would no longer be the
// total) or the session expires, with its challenge page. The next
// complete starts a new attempt with a new idempotency key.
func abandonAuthentication(sess *model.Session) {
	if sess.Status != model.StatusAuthenticationRequired {
		return
	}
	sess.AuthenticationMetadata, sess.ContinueURL = nil, ""
	if sess.Payment != nil {
		sess.Payment.Token = ""
	}
}
