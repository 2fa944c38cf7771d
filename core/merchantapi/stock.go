package merchantapi

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/stock"
)

// StockAdmin is what the merchant API offers about stock (docs/stock.md).
type StockAdmin interface {
	// StockLevels lists the levels of every stock-controlled SKU.
	StockLevels(ctx context.Context) ([]StockLevel, error)
	// StockLevel returns one SKU's level.
	StockLevel(ctx context.Context, sku string) (*StockLevel, error)
	// SetStock records that onHand units are on hand now.
	SetStock(ctx context.Context, sku string, onHand int64) (*StockLevel, error)
	// AdjustStock adds delta units (negative: takes them away).
	AdjustStock(ctx context.Context, sku string, delta int64) (*StockLevel, error)
}

// StockLevel is a SKU's stock as the merchant API shows it.
type StockLevel struct {
	SKU string `json:"sku"`
	// OnHand is what the seller holds, sales taken off.
	OnHand int64 `json:"on_hand"`
	// Reserved is held by payments in progress.
	Reserved int64 `json:"reserved"`
	// Available is what agents may still buy: on hand less reserved.
	Available int64 `json:"available"`
	// Sold is the units sold since on hand was last set.
	Sold int64 `json:"sold"`
	// FileFigure is acp.yaml's figure when it was last applied.
	FileFigure *int64    `json:"file_figure,omitempty"`
	SetAt      time.Time `json:"set_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func stockLevelOf(l *model.StockLevel) *StockLevel {
	return &StockLevel{
		SKU: l.SKU, OnHand: l.OnHand, Reserved: l.Reserved, Available: l.Available(), Sold: l.Sold,
		FileFigure: l.FileFigure, SetAt: l.SetAt, UpdatedAt: l.UpdatedAt,
	}
}

// now is the Local's clock.
func (l *Local) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// StockLevels implements StockAdmin.
func (l *Local) StockLevels(ctx context.Context) ([]StockLevel, error) {
	list, err := stock.Levels(ctx, l.Store)
	if err != nil {
		return nil, err
	}
	out := make([]StockLevel, 0, len(list))
	for _, lv := range list {
		out = append(out, *stockLevelOf(lv))
	}
	return out, nil
}

// StockLevel implements StockAdmin.
func (l *Local) StockLevel(ctx context.Context, sku string) (*StockLevel, error) {
	return levelOrError(stock.Level(ctx, l.Store, sku))
}

// SetStock implements StockAdmin.
func (l *Local) SetStock(ctx context.Context, sku string, onHand int64) (*StockLevel, error) {
	return levelOrError(stock.Set(ctx, l.Store, sku, onHand, l.now()))
}

// AdjustStock implements StockAdmin.
func (l *Local) AdjustStock(ctx context.Context, sku string, delta int64) (*StockLevel, error) {
	return levelOrError(stock.Adjust(ctx, l.Store, sku, delta, l.now()))
}

func levelOrError(l *model.StockLevel, err error) (*StockLevel, error) {
	if err != nil {
		return nil, err
	}
	return stockLevelOf(l), nil
}

// StockRoutes registers the stock endpoints on r (mounted at /merchant,
// behind the merchant token):
//
//	GET  /stock              {"data": [levels]}
//	GET  /stock/{sku}        one level
//	POST /stock/{sku}        {"on_hand": N}: N on hand now
//	POST /stock/{sku}/adjust {"delta": N}: N more (or fewer) on hand
func StockRoutes(r fiber.Router, admin StockAdmin) {
	r.Get("/stock", func(c *fiber.Ctx) error {
		list, err := admin.StockLevels(c.UserContext())
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"data": list})
	})
	r.Get("/stock/:sku", func(c *fiber.Ctx) error {
		return replyLevel(c)(admin.StockLevel(c.UserContext(), c.Params("sku")))
	})
	r.Post("/stock/:sku", func(c *fiber.Ctx) error {
		var in struct {
			OnHand *int64 `json:"on_hand"`
		}
		if err := decode(c, &in, false); err != nil {
			return err
		}
		if in.OnHand == nil {
			return apierr.Invalid(apierr.CodeMissing, "$.on_hand", "on_hand is required: the units on hand now.")
		}
		return replyLevel(c)(admin.SetStock(c.UserContext(), c.Params("sku"), *in.OnHand))
	})
	r.Post("/stock/:sku/adjust", func(c *fiber.Ctx) error {
		var in struct {
			Delta *int64 `json:"delta"`
		}
		if err := decode(c, &in, false); err != nil {
			return err
		}
		if in.Delta == nil {
			return apierr.Invalid(apierr.CodeMissing, "$.delta", "delta is required: the units to add (negative to take away).")
		}
		return replyLevel(c)(admin.AdjustStock(c.UserContext(), c.Params("sku"), *in.Delta))
	})
}

func replyLevel(c *fiber.Ctx) func(*StockLevel, error) error {
	return func(l *StockLevel, err error) error {
		if err != nil {
			return err
		}
		return c.JSON(l)
	}
}

// StockLevels implements StockAdmin.
func (c *Client) StockLevels(ctx context.Context) ([]StockLevel, error) {
	var out struct {
		Data []StockLevel `json:"data"`
	}
	err := c.call(ctx, http.MethodGet, "/merchant/stock", nil, &out)
	return out.Data, err
}

// StockLevel implements StockAdmin.
func (c *Client) StockLevel(ctx context.Context, sku string) (*StockLevel, error) {
	return c.level(ctx, http.MethodGet, "/merchant/stock/"+url.PathEscape(sku), nil)
}

// SetStock implements StockAdmin.
func (c *Client) SetStock(ctx context.Context, sku string, onHand int64) (*StockLevel, error) {
	return c.level(ctx, http.MethodPost, "/merchant/stock/"+url.PathEscape(sku), map[string]int64{"on_hand": onHand})
}

// AdjustStock implements StockAdmin.
func (c *Client) AdjustStock(ctx context.Context, sku string, delta int64) (*StockLevel, error) {
	return c.level(ctx, http.MethodPost, "/merchant/stock/"+url.PathEscape(sku)+"/adjust", map[string]int64{"delta": delta})
}

func (c *Client) level(ctx context.Context, method, path string, in any) (*StockLevel, error) {
	var l StockLevel
	if err := c.call(ctx, method, path, in, &l); err != nil {
		return nil, err
	}
	return &l, nil
}
