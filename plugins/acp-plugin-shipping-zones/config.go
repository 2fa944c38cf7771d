package main

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// config is the plugin's config block, and its one description: the
// host checks the block against the JSON Schema derived from it
// (acpplugin.ConfigSchemaFor; acp plugins describe --json prints it),
// Validate refuses what the types cannot say, and build prepares it for
// quoting. Amounts are integer minor units of the currency, never floats.
type config struct {
	Currency    string         `json:"currency,omitempty" jsonschema:"ISO 4217 code the amounts are in. When set, a quote in another currency fails (a misconfiguration, reported in the host's log); when absent, the amounts are in whatever currency the host quotes in (its merchant.currency)."`
	DefaultZone string         `json:"default_zone,omitempty" jsonschema:"The name of the zone whose options are offered before the buyer gives an address. Without it, no zone option is offered until there is an address (the host then asks for one)."`
	Zones       []zoneConfig   `json:"zones" jsonschema:"The zones, in order: an address is served by the first zone that matches it, so list narrow zones (with regions) before broad ones."`
	Digital     *digitalConfig `json:"digital,omitempty" jsonschema:"A free option offered for every line whose item is digital, whatever the address (or without one)."`
}

// zoneConfig is one zone.
type zoneConfig struct {
	Name      string         `json:"name" jsonschema:"A name unique among the zones."`
	Countries []string       `json:"countries" jsonschema:"ISO 3166-1 alpha-2 codes, or * for any country (a rest-of-the-world zone, listed last). At least one."`
	Regions   []string       `json:"regions,omitempty" jsonschema:"State or province codes of one to three letters or digits; when set, only addresses in one of these regions (of any of the countries) match."`
	Options   []optionConfig `json:"options" jsonschema:"The zone's options. At least one."`
}

// optionConfig is one option of a zone.
type optionConfig struct {
	ID             string          `json:"id" jsonschema:"What the agent selects; unique within its zone. The same id in two zones should name the same service."`
	Type           string          `json:"type" jsonschema:"shipping, local_delivery, pickup or digital: the option carries every line whose item allows this type."`
	Title          string          `json:"title" jsonschema:"The option's name, shown to the buyer."`
	Description    string          `json:"description,omitempty" jsonschema:"A longer text, shown to the buyer."`
	Carrier        string          `json:"carrier,omitempty" jsonschema:"The carrier's name."`
	Flat           *int64          `json:"flat,omitempty" jsonschema:"A fixed amount. Exactly one of flat, weight_brackets and price_brackets is required."`
	WeightBrackets []weightBracket `json:"weight_brackets,omitempty" jsonschema:"Prices by the weight of the lines carried: the first bracket whose up_to_grams is at least that weight sets the amount; a heavier cart is not offered the option."`
	PriceBrackets  []priceBracket  `json:"price_brackets,omitempty" jsonschema:"Prices by the subtotal of the lines carried: the first bracket whose up_to is at least that subtotal sets the amount; a larger one is not offered the option."`
	PerItem        int64           `json:"per_item,omitempty" jsonschema:"Added per unit carried."`
	FreeOver       int64           `json:"free_over,omitempty" jsonschema:"The option is free when the subtotal of the lines carried reaches this amount."`
	Delivery       *deliveryConfig `json:"delivery,omitempty" jsonschema:"The delivery window, in days from today (UTC)."`
	Pickup         *pickupConfig   `json:"pickup,omitempty" jsonschema:"The pickup location: required for a pickup option, refused for others."`
}

// weightBracket is one bracket of weight_brackets.
type weightBracket struct {
	UpToGrams *int64 `json:"up_to_grams,omitempty" jsonschema:"The heaviest weight, in grams, this bracket prices, above the previous bracket's. Only the last bracket may leave it out, to take any weight."`
	Amount    int64  `json:"amount" jsonschema:"The option's amount up to that weight."`
}

// priceBracket is one bracket of price_brackets.
type priceBracket struct {
	UpTo   *int64 `json:"up_to,omitempty" jsonschema:"The highest subtotal this bracket prices, above the previous bracket's. Only the last bracket may leave it out, to take any subtotal."`
	Amount int64  `json:"amount" jsonschema:"The option's amount up to that subtotal."`
}

// deliveryConfig is a delivery window in days from today.
type deliveryConfig struct {
	Min  int    `json:"min" jsonschema:"The fewest days, 0 to 365."`
	Max  int    `json:"max" jsonschema:"The most days, min to 365."`
	Unit string `json:"unit,omitempty" jsonschema:"days (the default) or business_days (Monday to Friday)."`
}

// pickupConfig is a pickup location.
type pickupConfig struct {
	Name         string        `json:"name" jsonschema:"The location's name."`
	Address      pickupAddress `json:"address" jsonschema:"The location's address."`
	Phone        string        `json:"phone,omitempty" jsonschema:"The location's phone number."`
	Instructions string        `json:"instructions,omitempty" jsonschema:"How to collect the order."`
}

// pickupAddress is acp.Address (it converts to it), with only line_one,
// city and country required.
type pickupAddress struct {
	Name       string `json:"name,omitempty"`
	LineOne    string `json:"line_one"`
	LineTwo    string `json:"line_two,omitempty"`
	City       string `json:"city"`
	State      string `json:"state,omitempty" jsonschema:"The state or province code."`
	Country    string `json:"country" jsonschema:"ISO 3166-1 alpha-2 country code."`
	PostalCode string `json:"postal_code,omitempty"`
	Company    string `json:"company,omitempty"`
}

// digitalConfig is the free option for digital items.
type digitalConfig struct {
	ID          string `json:"id" jsonschema:"What the agent selects; not an id of any zone's option."`
	Title       string `json:"title" jsonschema:"The option's name, shown to the buyer."`
	Description string `json:"description,omitempty" jsonschema:"A longer text, shown to the buyer."`
}

// maxDeliveryDays bounds a delivery window: a year.
const maxDeliveryDays = 365

// anyCountry in a zone's countries matches every country.
const anyCountry = "*"

// zones is a validated configuration, ready to quote.
type zones struct {
	currency    string
	defaultZone *zone
	list        []zone
	digital     *digitalConfig
}

// zone is a validated zone; countries and regions are upper case.
type zone struct {
	name      string
	countries []string
	regions   []string
	options   []option
}

// option is a validated option. Its brackets bound the weight when
// WeightBrackets is set, the subtotal otherwise.
type option struct {
	optionConfig
	typ      acp.FulfillmentType
	brackets []bracket // nil for a flat option
}

// bracket is a validated bracket; upTo is -1 for no bound.
type bracket struct{ upTo, amount int64 }

// matches reports whether the zone serves an address.
func (z *zone) matches(a *acp.Address) bool {
	country, region := strings.ToUpper(strings.TrimSpace(a.Country)), strings.ToUpper(strings.TrimSpace(a.State))
	inCountry := slices.Contains(z.countries, anyCountry) || slices.Contains(z.countries, country)
	return inCountry && (len(z.regions) == 0 || slices.Contains(z.regions, region))
}

// Validate refuses what the types cannot say, reporting every problem
// with its path: codes that are not codes, missing or duplicate names
// and ids, an option priced by none or several of flat, weight_brackets
// and price_brackets, negative amounts and bounds, brackets whose bounds
// do not rise, a delivery window outside 0 to 365 days or backwards, and
// a pickup location on an option that is not pickup, or none on one that
// is.
func (c config) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if c.Currency != "" && !currencyCode.MatchString(c.Currency) {
		add("currency: %q is not a three-letter ISO 4217 code, such as usd", c.Currency)
	}
	if c.Zones == nil {
		add("zones is required: the list of zones")
	}
	names := map[string]int{}
	for i, zc := range c.Zones {
		path := fmt.Sprintf("zones[%d]", i)
		if j, dup := names[zc.Name]; dup {
			add("%s.name: duplicate zone name %q (also zones[%d])", path, zc.Name, j)
		} else {
			names[zc.Name] = i
		}
		zc.check(path, add)
		ids := map[string]int{}
		for k, oc := range zc.Options {
			opath := fmt.Sprintf("%s.options[%d]", path, k)
			if j, dup := ids[oc.ID]; dup {
				add("%s.id: duplicate option id %q in zone %q (also options[%d])", opath, oc.ID, zc.Name, j)
			} else {
				ids[oc.ID] = k
			}
			if c.Digital != nil && oc.ID == c.Digital.ID {
				add("%s.id: %q is also the digital option's id", opath, oc.ID)
			}
			oc.check(opath, add)
		}
	}
	if c.Digital != nil {
		if strings.TrimSpace(c.Digital.ID) == "" {
			add("digital.id is required")
		}
		if strings.TrimSpace(c.Digital.Title) == "" {
			add("digital.title is required")
		}
	}
	if _, ok := names[c.DefaultZone]; c.DefaultZone != "" && !ok {
		add("default_zone: no zone is named %q", c.DefaultZone)
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// check reports the problems of one zone to add, but for those of its
// options and those that involve other zones.
func (zc zoneConfig) check(path string, add func(string, ...any)) {
	if strings.TrimSpace(zc.Name) == "" {
		add("%s.name is required", path)
	}
	if len(zc.Countries) == 0 {
		add("%s.countries is empty: list at least one country code, or \"*\" for any country", path)
	}
	for j, country := range zc.Countries {
		if country != anyCountry && !countryCode.MatchString(country) {
			add("%s.countries[%d]: %q is not a two-letter ISO 3166-1 country code, such as US, or \"*\"", path, j, country)
		}
	}
	for j, region := range zc.Regions {
		if !regionCode.MatchString(region) {
			add("%s.regions[%d]: %q is not a state or province code of one to three letters or digits, such as CA", path, j, region)
		}
	}
	if len(zc.Options) == 0 {
		add("%s.options is empty: a zone has at least one option", path)
	}
}

// check reports the problems of one option to add, but for those that
// involve other options.
func (oc optionConfig) check(path string, add func(string, ...any)) {
	if strings.TrimSpace(oc.ID) == "" {
		add("%s.id is required", path)
	}
	if !acp.FulfillmentType(oc.Type).Valid() {
		add("%s.type: %q is not one of shipping, local_delivery, pickup, digital", path, oc.Type)
	}
	if strings.TrimSpace(oc.Title) == "" {
		add("%s.title is required", path)
	}
	var prices []string
	if oc.Flat != nil {
		prices = append(prices, "flat")
	}
	if oc.WeightBrackets != nil {
		prices = append(prices, "weight_brackets")
	}
	if oc.PriceBrackets != nil {
		prices = append(prices, "price_brackets")
	}
	switch len(prices) {
	case 0:
		add("%s has no price: exactly one of flat, weight_brackets and price_brackets is required", path)
	case 1:
	default:
		add("%s has %s: exactly one of flat, weight_brackets and price_brackets is allowed", path, strings.Join(prices, " and "))
	}
	nonNegative := func(key string, v int64) {
		if v < 0 {
			add("%s.%s must be 0 or more, got %d", path, key, v)
		}
	}
	if oc.Flat != nil {
		nonNegative("flat", *oc.Flat)
	}
	nonNegative("per_item", oc.PerItem)
	nonNegative("free_over", oc.FreeOver)
	if key, boundKey, list := oc.brackets(); list != nil {
		checkBrackets(path+"."+key, boundKey, list, add)
	}
	if d := oc.Delivery; d != nil {
		switch {
		case d.Min < 0 || d.Min > maxDeliveryDays || d.Max < 0 || d.Max > maxDeliveryDays:
			add("%s.delivery: min and max must be 0 to %d days, got min %d, max %d", path, maxDeliveryDays, d.Min, d.Max)
		case d.Max < d.Min:
			add("%s.delivery.max must be at least min, got min %d, max %d", path, d.Min, d.Max)
		}
		if d.Unit != "" && d.Unit != "days" && d.Unit != "business_days" {
			add("%s.delivery.unit: %q is not days or business_days", path, d.Unit)
		}
	}
	switch {
	case acp.FulfillmentType(oc.Type) == acp.FulfillmentPickup && oc.Pickup == nil:
		add("%s.pickup is required for a pickup option: the location's name and address", path)
	case acp.FulfillmentType(oc.Type) != acp.FulfillmentPickup && oc.Pickup != nil:
		add("%s.pickup is only for pickup options, and this one's type is %q", path, oc.Type)
	case oc.Pickup != nil:
		if strings.TrimSpace(oc.Pickup.Name) == "" {
			add("%s.pickup.name is required", path)
		}
		if !countryCode.MatchString(oc.Pickup.Address.Country) {
			add("%s.pickup.address.country: %q is not a two-letter ISO 3166-1 country code, such as US", path, oc.Pickup.Address.Country)
		}
	}
}

// bracketConfig is a bracket of either list: up to a weight or a
// subtotal, inclusive (no bound: any), the option costs amount.
type bracketConfig struct {
	upTo   *int64
	amount int64
}

// brackets returns the option's list of brackets, its key and the key of
// its bounds, or a nil list for a flat option (for an option with both
// lists, which Validate refuses, the weight brackets).
func (oc optionConfig) brackets() (key, boundKey string, list []bracketConfig) {
	switch {
	case oc.WeightBrackets != nil:
		out := make([]bracketConfig, len(oc.WeightBrackets))
		for i, b := range oc.WeightBrackets {
			out[i] = bracketConfig{upTo: b.UpToGrams, amount: b.Amount}
		}
		return "weight_brackets", "up_to_grams", out
	case oc.PriceBrackets != nil:
		out := make([]bracketConfig, len(oc.PriceBrackets))
		for i, b := range oc.PriceBrackets {
			out[i] = bracketConfig{upTo: b.UpTo, amount: b.Amount}
		}
		return "price_brackets", "up_to", out
	}
	return "", "", nil
}

// checkBrackets reports the problems of a list of brackets to add: none
// at all, a negative bound or amount, bounds not rising, and a bound left
// out before the last bracket.
func checkBrackets(path, boundKey string, list []bracketConfig, add func(string, ...any)) {
	if len(list) == 0 {
		add("%s is empty: give at least one bracket", path)
	}
	prev := int64(-1)
	for i, b := range list {
		bpath := fmt.Sprintf("%s[%d]", path, i)
		if b.amount < 0 {
			add("%s.amount must be 0 or more, got %d", bpath, b.amount)
		}
		switch {
		case b.upTo == nil && i != len(list)-1:
			add("%s.%s is required: only the last bracket may leave it out", bpath, boundKey)
		case b.upTo == nil:
		case *b.upTo < 0:
			add("%s.%s must be 0 or more, got %d", bpath, boundKey, *b.upTo)
		case *b.upTo <= prev:
			add("%s.%s must be above the previous bracket's, got %d", bpath, boundKey, *b.upTo)
		default:
			prev = *b.upTo
		}
	}
}

// The forms of the codes in the config.
var (
	currencyCode = regexp.MustCompile(`^[A-Za-z]{3}$`)
	countryCode  = regexp.MustCompile(`^[A-Za-z]{2}$`)
	regionCode   = regexp.MustCompile(`^[A-Za-z0-9]{1,3}$`)
)

// build prepares a valid configuration for quoting: codes upper case,
// brackets with their bounds, the default zone found.
func (c config) build() *zones {
	z := &zones{currency: acp.NormalizeCurrency(c.Currency), digital: c.Digital}
	for _, zc := range c.Zones {
		zn := zone{name: zc.Name}
		for _, country := range zc.Countries {
			zn.countries = append(zn.countries, strings.ToUpper(country))
		}
		for _, region := range zc.Regions {
			zn.regions = append(zn.regions, strings.ToUpper(region))
		}
		for _, oc := range zc.Options {
			o := option{optionConfig: oc, typ: acp.FulfillmentType(oc.Type)}
			_, _, list := oc.brackets()
			for _, b := range list {
				br := bracket{upTo: -1, amount: b.amount}
				if b.upTo != nil {
					br.upTo = *b.upTo
				}
				o.brackets = append(o.brackets, br)
			}
			zn.options = append(zn.options, o)
		}
		z.list = append(z.list, zn)
	}
	if i := slices.IndexFunc(z.list, func(zn zone) bool { return zn.name == c.DefaultZone }); c.DefaultZone != "" && i >= 0 {
		z.defaultZone = &z.list[i]
	}
	return z
}
