package builtin

import (
	"cmp"

	"github.com/acp-sidecar/acp/config"
)

// PromotionsFromConfig returns promotions written as acp.yaml writes
// them (checked) as the built-in discounts take them: the name defaults
// to the id, and the value is the kind's percentage or amount.
func PromotionsFromConfig(list []config.Promotion) []Promotion {
	out := make([]Promotion, len(list))
	for i, p := range list {
		start, end := p.Window()
		out[i] = Promotion{
			ID: p.ID, Name: cmp.Or(p.Name, p.ID), Code: p.Code, Kind: p.Kind, AppliesTo: p.AppliesTo,
			Items: p.Items, Categories: p.Categories, MinSubtotal: p.MinSubtotal, StartsAt: start, EndsAt: end,
			MaxUses: p.MaxUses, Combinable: p.Combinable, Priority: p.Priority,
		}
		switch p.Kind {
		case KindPercentOff:
			out[i].PercentOff = p.Value
		case KindAmountOff:
			out[i].AmountOff = int64(p.Value)
		}
	}
	return out
}
