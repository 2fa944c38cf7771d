package acp

import "testing"

func TestMessages(t *testing.T) {
	t.Parallel()
	var m Messages
	if m.HasErrors() {
		t.Fatal("empty messages have errors")
	}
	m.AddWarning(CodePriceChange, "$.totals", "price changed")
	if m.HasErrors() {
		t.Fatal("a warning counts as an error")
	}
	m.AddError(CodeOutOfStock, "$.line_items[0].item.id", "sold out", ResolutionRecoverable)
	if !m.HasErrors() || len(m) != 2 || m[1].Type != MessageError || m[1].Resolution != ResolutionRecoverable {
		t.Fatalf("messages = %+v", m)
	}
}

func TestFulfillmentType(t *testing.T) {
	t.Parallel()
	testCases := map[FulfillmentType]struct{ valid, needsAddress bool }{
		FulfillmentShipping:      {true, true},
		FulfillmentLocalDelivery: {true, true},
		FulfillmentDigital:       {true, false},
		FulfillmentPickup:        {true, false},
		"teleport":               {false, false},
	}
	for typ, want := range testCases {
		if typ.Valid() != want.valid || typ.NeedsAddress() != want.needsAddress {
			t.Errorf("%s: Valid()=%v NeedsAddress()=%v, want %v %v", typ, typ.Valid(), typ.NeedsAddress(), want.valid, want.needsAddress)
		}
	}
}

func TestMoney(t *testing.T) {
	t.Parallel()
	if got := (Money{Amount: 1500, Currency: "usd"}).String(); got != "1500 usd" {
		t.Errorf("String() = %q", got)
	}
	if got := NormalizeCurrency(" USD "); got != "usd" {
		t.Errorf("NormalizeCurrency() = %q", got)
	}
}
