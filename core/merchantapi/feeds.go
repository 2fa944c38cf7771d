package merchantapi

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/feed"
)

// FeedAdmin is what the merchant API offers about product feeds
// (docs/feeds.md).
type FeedAdmin interface {
	// FeedTargets returns the publishing state of every feed target, in
	// acp.yaml's order.
	FeedTargets(ctx context.Context) ([]FeedTarget, error)
	// PushFeed asks for a full publish of the named target (every product
	// sent again at its publisher's next round) and returns its state.
	PushFeed(ctx context.Context, name string) (*FeedTarget, error)
}

// FeedTarget is a feed target's publishing state as the merchant API
// shows it. A time is absent until it first happens.
type FeedTarget struct {
	Name string `json:"name"`
	// URL is the platform's Feed API base URL, as acp.yaml gives it
	// (which refuses one with credentials in it).
	URL string `json:"url"`
	// FeedID is the id the platform gave the feed; absent until it is
	// created.
	FeedID string `json:"feed_id,omitempty"`
	// LastPublishAt is when the platform last accepted an upsert;
	// LastFullPublishAt when a full publish last completed;
	// PushRequestedAt when a full publish was asked for that has not
	// completed yet.
	LastPublishAt     *time.Time `json:"last_publish_at,omitempty"`
	LastFullPublishAt *time.Time `json:"last_full_publish_at,omitempty"`
	PushRequestedAt   *time.Time `json:"push_requested_at,omitempty"`
	// Pending is the products waiting to be sent, as last counted.
	Pending int `json:"pending"`
	// Failures counts the failed attempts since the last success;
	// NextAttemptAt is when the next one is made after a failure.
	Failures      int        `json:"failures"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	// LastError says why the last attempt failed, the products the
	// platform refused, or why nothing can be published; LastStatus is
	// the platform's HTTP status, when one came.
	LastError  string `json:"last_error,omitempty"`
	LastStatus int    `json:"last_status,omitempty"`
	// Publishing is true when the process that answered publishes the
	// target (holds its lease); of several replicas, one does.
	Publishing bool `json:"publishing"`
	// Refused counts the products the platform refused that wait to be
	// sent again, and RefusedIDs lists the first 20 of their ids,
	// sorted: shown by the process publishing the target only (absent
	// from the others).
	Refused    int      `json:"refused,omitempty"`
	RefusedIDs []string `json:"refused_ids,omitempty"`
}

// feedTargetOf is the merchant API's view of s.
func feedTargetOf(s feed.TargetStatus) FeedTarget {
	out := FeedTarget{Name: s.Name, URL: s.URL, Publishing: s.Publishing, Refused: s.Refused, RefusedIDs: s.RefusedIDs}
	if r := s.State; r != nil {
		out.FeedID, out.Pending, out.Failures, out.LastError, out.LastStatus = r.FeedID, r.Pending, r.Failures, r.LastError, r.LastStatus
		out.LastPublishAt, out.LastFullPublishAt = timeOrNil(r.LastPublishAt), timeOrNil(r.LastFullPublishAt)
		out.PushRequestedAt, out.NextAttemptAt = timeOrNil(r.PushRequestedAt), timeOrNil(r.NextAttemptAt)
	}
	return out
}

// timeOrNil is t, nil when it is zero.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// FeedTargets implements FeedAdmin: none when acp.yaml has no feeds.
func (l *Local) FeedTargets(ctx context.Context) ([]FeedTarget, error) {
	out := []FeedTarget{}
	if l.Feeds == nil {
		return out, nil
	}
	list, err := l.Feeds.Status(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range list {
		out = append(out, feedTargetOf(s))
	}
	return out, nil
}

// PushFeed implements FeedAdmin: any process sharing the store may ask;
// the one publishing the target does it.
func (l *Local) PushFeed(ctx context.Context, name string) (*FeedTarget, error) {
	list, err := l.FeedTargets(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(list, func(t FeedTarget) bool { return t.Name == name })
	if i < 0 {
		return nil, apierr.New(http.StatusNotFound, apierr.TypeInvalidRequest, apierr.CodeNotFound, "There is no feed target %s.", name)
	}
	if err := feed.RequestPush(ctx, l.Store, name); err != nil {
		return nil, err
	}
	// The targets are acp.yaml's, in its order: the same list again.
	if list, err = l.FeedTargets(ctx); err != nil {
		return nil, err
	}
	return &list[i], nil
}

// FeedRoutes registers the feed endpoints on r (mounted at /merchant,
// behind the merchant token):
//
//	GET  /feeds              {"data": [targets]}
//	POST /feeds/{name}/push  a full publish of the target; its state
func FeedRoutes(r fiber.Router, admin FeedAdmin) {
	r.Get("/feeds", func(c *fiber.Ctx) error {
		list, err := admin.FeedTargets(c.UserContext())
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"data": list})
	})
	r.Post("/feeds/:name/push", func(c *fiber.Ctx) error {
		if err := decode(c, &struct{}{}, true); err != nil {
			return err
		}
		t, err := admin.PushFeed(c.UserContext(), c.Params("name"))
		if err != nil {
			return err
		}
		return c.JSON(t)
	})
}

// FeedTargets implements FeedAdmin.
func (c *Client) FeedTargets(ctx context.Context) ([]FeedTarget, error) {
	var out struct {
		Data []FeedTarget `json:"data"`
	}
	err := c.call(ctx, http.MethodGet, "/merchant/feeds", nil, &out)
	return out.Data, err
}

// PushFeed implements FeedAdmin.
func (c *Client) PushFeed(ctx context.Context, name string) (*FeedTarget, error) {
	var t FeedTarget
	if err := c.call(ctx, http.MethodPost, "/merchant/feeds/"+url.PathEscape(name)+"/push", nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
