package promotion_test

import (
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/sdk/promotion"
)

// valid is a promotion that breaks no rule.
func valid(id, code string) promotion.Promotion {
	return promotion.Promotion{ID: id, Code: code, Kind: promotion.KindPercentOff, PercentOff: 10, AppliesTo: promotion.AppliesToOrder}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		edit func(p *promotion.Promotion)
		// want is the problem's path and a part of its message; empty
		// for none.
		path, message string
	}{
		{"valid", func(*promotion.Promotion) {}, "", ""},
		{"no id", func(p *promotion.Promotion) { p.ID = "" }, "promotions[1].id", "is required"},
		{"bad id", func(p *promotion.Promotion) { p.ID = "a b" }, "promotions[1].id", "may contain only"},
		{"duplicate id", func(p *promotion.Promotion) { p.ID = "first" }, "promotions[1].id", `duplicate id "first" (also promotions[0])`},
		{"duplicate code in another case", func(p *promotion.Promotion) { p.Code = "save" }, "promotions[1].code", "codes match case-insensitively"},
		{"padded code", func(p *promotion.Promotion) { p.Code = " PAD" }, "promotions[1].code", "must not start or end with spaces"},
		{"no kind", func(p *promotion.Promotion) { p.Kind = "" }, "promotions[1].kind", "is required: one of percent_off, amount_off, free_shipping"},
		{"unknown kind", func(p *promotion.Promotion) { p.Kind = "bogo" }, "promotions[1].kind", `got "bogo"`},
		{"percentage above 100", func(p *promotion.Promotion) { p.PercentOff = 120 }, "promotions[1].percent_off", "at most 100"},
		{"percentage with an amount", func(p *promotion.Promotion) { p.AmountOff = 5 }, "promotions[1].amount_off", "percent_off takes no amount"},
		{"zero amount", func(p *promotion.Promotion) { p.Kind, p.PercentOff = promotion.KindAmountOff, 0 }, "promotions[1].amount_off", "1 or more"},
		{"free shipping with a percentage", func(p *promotion.Promotion) { p.Kind = promotion.KindFreeShipping }, "promotions[1].kind", "takes no percentage or amount"},
		{"unknown scope", func(p *promotion.Promotion) { p.AppliesTo = "everything" }, "promotions[1].applies_to", "must be one of order, items, categories"},
		{"items on the order", func(p *promotion.Promotion) { p.Items = []string{"mug"} }, "promotions[1].applies_to", "need applies_to: items or categories"},
		{"items scope without items", func(p *promotion.Promotion) { p.AppliesTo = promotion.AppliesToItems }, "promotions[1].items", "at least one item id"},
		{"categories scope without categories", func(p *promotion.Promotion) { p.AppliesTo = promotion.AppliesToCategories }, "promotions[1].categories", "at least one category"},
		{"negative minimum", func(p *promotion.Promotion) { p.MinSubtotal = -1 }, "promotions[1].min_subtotal", "got -1"},
		{"ends before it starts", func(p *promotion.Promotion) { p.StartsAt, p.EndsAt = start, start.Add(-time.Hour) },
			"promotions[1].ends_at", "must be after starts_at (2026-05-01T00:00:00Z), got 2026-04-30T23:00:00Z"},
		{"negative limit", func(p *promotion.Promotion) { p.MaxUses = -1 }, "promotions[1].max_uses", "got -1"},
		{"limited automatic", func(p *promotion.Promotion) { p.Code, p.MaxUses = "", 3 }, "promotions[1].max_uses", "automatic promotion"},
		{"negative priority", func(p *promotion.Promotion) { p.Priority = -2 }, "promotions[1].priority", "got -2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			second := valid("second", "OTHER")
			tt.edit(&second)
			got := promotion.Check([]promotion.Promotion{valid("first", "SAVE"), second})
			if tt.path == "" {
				if len(got) != 0 {
					t.Fatalf("Check() = %v, want no problem", got)
				}
				return
			}
			if len(got) != 1 || got[0].Path() != tt.path || !strings.Contains(got[0].Message, tt.message) {
				t.Fatalf("Check() = %v, want one problem at %s containing %q", got, tt.path, tt.message)
			}
			if want := tt.path + ": " + got[0].Message; got[0].Error() != want {
				t.Errorf("Error() = %q, want %q", got[0].Error(), want)
			}
		})
	}
}

func TestSetValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind     string
		value    float64
		percent  float64
		amount   int64
		errMatch string
	}{
		{promotion.KindPercentOff, 12.5, 12.5, 0, ""},
		{promotion.KindAmountOff, 300, 0, 300, ""},
		{promotion.KindAmountOff, 2.5, 0, 0, "a whole amount of 1 or more"},
		{promotion.KindAmountOff, 0, 0, 0, "a whole amount of 1 or more"},
		{promotion.KindAmountOff, 1e300, 0, 0, "a whole amount of 1 or more"},
		{promotion.KindFreeShipping, 0, 0, 0, ""},
		{promotion.KindFreeShipping, 3, 0, 0, "free_shipping takes no value, got 3"},
		{"bogo", 5, 0, 0, ""},
	}
	for _, tt := range tests {
		p := promotion.Promotion{Kind: tt.kind}
		err := p.SetValue(tt.value)
		if (err == nil) != (tt.errMatch == "") || (err != nil && !strings.Contains(err.Error(), tt.errMatch)) {
			t.Errorf("%s SetValue(%v) error = %v, want one containing %q", tt.kind, tt.value, err, tt.errMatch)
		}
		if p.PercentOff != tt.percent || p.AmountOff != tt.amount {
			t.Errorf("%s SetValue(%v): percent %v, amount %d; want %v, %d", tt.kind, tt.value, p.PercentOff, p.AmountOff, tt.percent, tt.amount)
		}
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-03-01", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), true},
		{"2026-03-01T10:00:00Z", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), true},
		{"2026-03-01T10:00:00+02:00", time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), true},
		{"tomorrow", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := promotion.ParseTime(tt.in)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
