package merchantapi

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/feed"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
)

// TestFeedsThroughClient drives the feed endpoints through the Client
// against a Local on an in-memory store: with two targets whose
// publisher does not run, and without feeds.
func TestFeedsThroughClient(t *testing.T) {
	t.Parallel()
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	publisher, err := feed.New(feed.Options{Store: st, Currency: "usd", Targets: []feed.Target{
		{Name: "first", URL: "https://feeds.example/acp", Token: "not-shown"},
		{Name: "second", URL: "https://other.example/feeds"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := serveRoutes(t, func(r fiber.Router) { FeedRoutes(r, &Local{Store: st, Feeds: publisher}) })
	list, err := c.FeedTargets(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "first" || list[0].URL != "https://feeds.example/acp" || list[1].Name != "second" ||
		list[0].FeedID != "" || list[0].LastPublishAt != nil || list[0].Publishing {
		t.Fatalf("FeedTargets() = %+v, %v; want both targets, never published", list, err)
	}
	pushed, err := c.PushFeed(ctx, "second")
	if err != nil || pushed.Name != "second" || pushed.PushRequestedAt == nil {
		t.Fatalf("PushFeed() = %+v, %v; want the target with its push asked for", pushed, err)
	}
	if list, err = c.FeedTargets(ctx); err != nil || list[0].PushRequestedAt != nil || list[1].PushRequestedAt == nil {
		t.Errorf("FeedTargets() after a push of second = %+v, %v", list, err)
	}

	none := serveRoutes(t, func(r fiber.Router) { FeedRoutes(r, &Local{Store: st}) })
	if list, err := none.FeedTargets(ctx); err != nil || list == nil || len(list) != 0 {
		t.Errorf("FeedTargets() without feeds = %#v, %v; want an empty list", list, err)
	}
	testCases := map[string]struct {
		call       func() error
		wantStatus int
	}{
		"an unknown target": {func() error { _, err := c.PushFeed(ctx, "third"); return err }, http.StatusNotFound},
		"no feeds":          {func() error { _, err := none.PushFeed(ctx, "first"); return err }, http.StatusNotFound},
		"a body with members": {func() error {
			return c.call(ctx, http.MethodPost, "/merchant/feeds/first/push", map[string]any{"all": true}, &FeedTarget{})
		}, http.StatusBadRequest},
	}
	for name, tc := range testCases {
		var ae *apierr.Error
		if err := tc.call(); !errors.As(err, &ae) || ae.Status != tc.wantStatus {
			t.Errorf("%s: error %#v, want status %d", name, err, tc.wantStatus)
		}
	}
}
