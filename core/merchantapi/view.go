package merchantapi

import (
	"strings"

	"github.com/acp-sidecar/acp/core/model"
)

// orderView is an order as the merchant API answers it: the stored order
// and, beside its lines, the same lines in the shape of ACP's Order
// (line_items, with the quantities grouped and the status derived). lines
// is deprecated in favour of line_items and stays for one release, since
// store integrations parse it (docs/merchant-api.openapi.yaml).
type orderView struct {
	*model.Order
	LineItems []orderLineItem `json:"line_items"`
	// Insights are the order's, with attribution tokens masked: the
	// token is the provider's credential, which the order system gets
	// with the order and nobody reads back.
	Insights *model.Insights `json:"insights,omitempty"`
}

// orderLineItem is ACP's OrderLineItem.
type orderLineItem struct {
	ID        string            `json:"id"`
	Title     string            `json:"title"`
	ProductID string            `json:"product_id,omitempty"`
	ImageURL  string            `json:"image_url,omitempty"`
	Quantity  orderLineQuantity `json:"quantity"`
	UnitPrice int64             `json:"unit_price"`
	Subtotal  int64             `json:"subtotal"`
	Status    string            `json:"status"`
}

// orderLineQuantity is ACP's OrderLineItemQuantity.
type orderLineQuantity struct {
	Ordered   int64 `json:"ordered"`
	Current   int64 `json:"current"`
	Fulfilled int64 `json:"fulfilled"`
}

// viewOf returns the merchant API's view of o.
func viewOf(o *model.Order) orderView {
	items := make([]orderLineItem, len(o.Lines))
	for i, l := range o.Lines {
		items[i] = orderLineItem{
			ID: l.ID, Title: l.Title, ProductID: l.ProductID, ImageURL: l.ImageURL,
			Quantity:  orderLineQuantity{Ordered: l.Ordered, Current: l.Current, Fulfilled: l.Fulfilled},
			UnitPrice: l.UnitPrice, Subtotal: l.Subtotal, Status: l.Status(),
		}
	}
	return orderView{Order: o, LineItems: items, Insights: MaskedInsights(o.Insights)}
}

// viewsOf returns the views of a page of orders.
func viewsOf(list []*model.Order) []orderView {
	out := make([]orderView, len(list))
	for i, o := range list {
		out[i] = viewOf(o)
	}
	return out
}

// MaskedInsights is a copy of in whose attribution tokens show only their
// last four characters (none of a token shorter than twelve).
func MaskedInsights(in *model.Insights) *model.Insights {
	if in == nil {
		return nil
	}
	out := *in
	out.FirstTouch, out.LastTouch = maskedTouch(in.FirstTouch), maskedTouch(in.LastTouch)
	return &out
}

func maskedTouch(a *model.Attribution) *model.Attribution {
	if a == nil {
		return nil
	}
	out := *a
	out.Token = MaskToken(a.Token)
	return &out
}

// MaskToken hides a credential, keeping its last four characters (runes,
// never part of one) when it is long enough (twelve or more) for them to
// give nothing away: "" stays "", "atp_01J8Z3WXYZ9ABC" becomes "****9ABC",
// and a masked token stays as it is.
func MaskToken(token string) string {
	r := []rune(token)
	switch {
	case token == "" || strings.HasPrefix(token, "****"):
		return token
	case len(r) < 12:
		return "****"
	}
	return "****" + string(r[len(r)-4:])
}
