package host

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/merchantapi"
	"github.com/acp-sidecar/acp/core/orders"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/ucpwire"
	"github.com/acp-sidecar/acp/core/webhook"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// OpenAdmin opens the configured store for the order, webhook, stock
// and feed commands of the CLI, which run while no server holds the
// store (or beside the servers sharing a PostgreSQL store). Events their
// changes cause are written to the outbox for the server to deliver when
// it next runs. Close the returned store when done.
//
// A cancellation goes to the fulfillment capability first; when a plugin
// serves it, the plugin is started for that call only.
func OpenAdmin(cfg *config.Config, logger *slog.Logger, getenv func(string) string) (*merchantapi.Local, io.Closer, error) {
	key, err := encryptionKey(cfg.Store.EncryptionKeyEnv, getenv)
	if err != nil {
		return nil, nil, err
	}
	plugins, err := newPlugins(cfg, getenv, logger, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(cfg, key, getenv, logger, nil)
	if err != nil {
		plugins.Close()
		return nil, nil, err
	}
	// The stock commands see acp.yaml's figures as the server would.
	if _, err := syncStock(context.Background(), cfg, st, time.Now()); err != nil {
		plugins.Close()
		return nil, nil, errors.Join(err, st.Close())
	}
	// The feeds' status and full publishes, without publishing.
	feeds, err := newPublisher(cfg, st, nil, false, getenv, logger, nil)
	if err != nil {
		plugins.Close()
		return nil, nil, errors.Join(err, st.Close())
	}
	admin := newAdmin(cfg, st, time.Now, nil, orderSystem(cfg, plugins))
	admin.Feeds = feeds
	return admin, closerFunc(func() error {
		plugins.Close()
		return st.Close()
	}), nil
}

// closerFunc adapts a function to io.Closer.
type closerFunc func() error

// Close calls f.
func (f closerFunc) Close() error { return f() }

// newAdmin builds the order service over st, with an outbox for the
// configured webhook targets.
func newAdmin(cfg *config.Config, st store.Store, now func() time.Time, wake func(), orderSystem fulfillment.Fulfillment) *merchantapi.Local {
	var targets []orders.Target
	for _, a := range cfg.Agents {
		for _, w := range a.Webhooks {
			targets = append(targets, orders.Target{Agent: a.Name, Name: w.Name, Events: w.Events})
		}
	}
	outbox := orders.NewOutbox(targets, acpwire.EncodeOrderEvent, now, wake).WithUCP(ucpwire.OrderEventJSON)
	return &merchantapi.Local{Store: st, Orders: orders.New(st, outbox, now, orderSystem), Outbox: outbox, Now: now}
}

// newDeliverer builds the delivery of order webhooks to targets from the
// outbox in st.
func newDeliverer(cfg *config.Config, st store.Store, targets []webhook.Target, logger *slog.Logger, registry prometheus.Registerer, now func() time.Time) *webhook.Deliverer {
	return webhook.New(webhook.Options{
		Store:   st,
		Targets: targets,
		Client: webhook.NewClient(webhook.ClientOptions{
			Timeout: cfg.WebhookDelivery.Timeout, AllowPrivateNetworks: cfg.WebhookDelivery.AllowPrivateNetworks,
		}),
		AllowPrivateNetworks: cfg.WebhookDelivery.AllowPrivateNetworks,
		Logger:               logger.With("component", "webhooks"),
		Metrics:              webhook.NewMetrics(registry),
		Now:                  now,
		InitialBackoff:       cfg.WebhookDelivery.InitialBackoff,
		MaxBackoff:           cfg.WebhookDelivery.MaxBackoff,
		Workers:              cfg.WebhookDelivery.Workers,
	})
}
