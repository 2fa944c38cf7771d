package main

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// configSchema is the JSON Schema of the plugin's config block.
const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "acp-plugin-shipping-zones",
  "type": "object",
  "properties": {
    "currency": {"type": "string", "pattern": "^[A-Za-z]{3}$", "description": "ISO 4217 code of every amount; a quote in another currency fails. Optional."},
    "default_zone": {"type": "string", "minLength": 1, "description": "The zone offered before the buyer gives an address. Optional."},
    "zones": {"type": "array", "items": {"$ref": "#/$defs/zone"}, "description": "Zones in order; the first matching an address serves it."},
    "digital": {
      "type": "object",
      "description": "A free option for digital items, whatever the address. Optional.",
      "properties": {
        "id": {"type": "string", "minLength": 1},
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string"}
      },
      "required": ["id", "title"],
      "additionalProperties": false
    }
  },
  "required": ["zones"],
  "additionalProperties": false,
  "$defs": {
    "amount": {"type": "integer", "minimum": 0, "description": "Integer minor units."},
    "zone": {
      "type": "object",
      "properties": {
        "name": {"type": "string", "minLength": 1},
        "countries": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^([A-Za-z]{2}|\\*)$"}, "description": "ISO 3166-1 alpha-2 codes; \"*\" is any country."},
        "regions": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9]{1,3}$"}},
        "options": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/option"}}
      },
      "required": ["name", "countries", "options"],
      "additionalProperties": false
    },
    "weight_bracket": {
      "type": "object",
      "properties": {
        "up_to_grams": {"type": "integer", "minimum": 0},
        "amount": {"$ref": "#/$defs/amount"}
      },
      "required": ["amount"],
      "additionalProperties": false
    },
    "price_bracket": {
      "type": "object",
      "properties": {
        "up_to": {"$ref": "#/$defs/amount"},
        "amount": {"$ref": "#/$defs/amount"}
      },
      "required": ["amount"],
      "additionalProperties": false
    },
    "option": {
      "type": "object",
      "properties": {
        "id": {"type": "string", "minLength": 1},
        "type": {"enum": ["shipping", "local_delivery", "pickup", "digital"]},
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "carrier": {"type": "string"},
        "flat": {"$ref": "#/$defs/amount"},
        "weight_brackets": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/weight_bracket"}},
        "price_brackets": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/price_bracket"}},
        "per_item": {"$ref": "#/$defs/amount"},
        "free_over": {"$ref": "#/$defs/amount"},
        "delivery": {
          "type": "object",
          "properties": {
            "min": {"type": "integer", "minimum": 0, "maximum": 365},
            "max": {"type": "integer", "minimum": 0, "maximum": 365},
            "unit": {"enum": ["days", "business_days"]}
          },
          "required": ["min", "max"],
          "additionalProperties": false
        },
        "pickup": {
          "type": "object",
          "properties": {
            "name": {"type": "string", "minLength": 1},
            "address": {
              "type": "object",
              "properties": {
                "name": {"type": "string"}, "line_one": {"type": "string"}, "line_two": {"type": "string"},
                "city": {"type": "string"}, "state": {"type": "string"}, "country": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
                "postal_code": {"type": "string"}, "company": {"type": "string"}
              },
              "required": ["line_one", "city", "country"],
              "additionalProperties": false
            },
            "phone": {"type": "string"},
            "instructions": {"type": "string"}
          },
          "required": ["name", "address"],
          "additionalProperties": false
        }
      },
      "required": ["id", "type", "title"],
      "oneOf": [
        {"required": ["flat"]},
        {"required": ["weight_brackets"]},
        {"required": ["price_brackets"]}
      ],
      "additionalProperties": false
    }
  }
}`

// config is the plugin's config block.
type config struct {
	Currency    string         `json:"currency"`
	DefaultZone string         `json:"default_zone"`
	Zones       []zoneConfig   `json:"zones"`
	Digital     *digitalConfig `json:"digital"`
}

// zoneConfig is one zone.
type zoneConfig struct {
	Name      string         `json:"name"`
	Countries []string       `json:"countries"`
	Regions   []string       `json:"regions"`
	Options   []optionConfig `json:"options"`
}

// optionConfig is one option of a zone.
type optionConfig struct {
	ID             string          `json:"id"`
	Type           string          `json:"type"`
	Title          string          `json:"title"`
	Description    string          `json:"description"`
	Carrier        string          `json:"carrier"`
	Flat           *int64          `json:"flat"`
	WeightBrackets []bracketConfig `json:"weight_brackets"`
	PriceBrackets  []bracketConfig `json:"price_brackets"`
	PerItem        int64           `json:"per_item"`
	FreeOver       int64           `json:"free_over"`
	Delivery       *deliveryConfig `json:"delivery"`
	Pickup         *pickupConfig   `json:"pickup"`
}

// bracketConfig is one bracket: up to a weight (weight_brackets) or a
// subtotal (price_brackets), inclusive, the option costs amount. Only the
// last bracket may leave its bound out. The schema allows up_to_grams only
// in weight_brackets and up_to only in price_brackets, so at most one
// bound is set.
type bracketConfig struct {
	UpToGrams *int64 `json:"up_to_grams"`
	UpTo      *int64 `json:"up_to"`
	Amount    int64  `json:"amount"`
}

// deliveryConfig is a delivery window in days from today.
type deliveryConfig struct {
	Min  int    `json:"min"`
	Max  int    `json:"max"`
	Unit string `json:"unit"`
}

// pickupConfig is a pickup location.
type pickupConfig struct {
	Name         string      `json:"name"`
	Address      acp.Address `json:"address"`
	Phone        string      `json:"phone"`
	Instructions string      `json:"instructions"`
}

// digitalConfig is the free option for digital items.
type digitalConfig struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

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

// build checks the configuration and prepares it for quoting.
func (cfg config) build() (*zones, error) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	z := &zones{currency: acp.NormalizeCurrency(cfg.Currency), digital: cfg.Digital}
	names := map[string]int{}
	for i, zc := range cfg.Zones {
		path := fmt.Sprintf("zones[%d]", i)
		if j, dup := names[zc.Name]; dup {
			add("%s.name: duplicate zone name %q (also zones[%d])", path, zc.Name, j)
		} else {
			names[zc.Name] = i
		}
		if strings.TrimSpace(zc.Name) == "" {
			add("%s.name is required", path)
		}
		// The schema's patterns admit only letters (or "*") and digits.
		zn := zone{name: zc.Name}
		for _, c := range zc.Countries {
			zn.countries = append(zn.countries, strings.ToUpper(c))
		}
		for _, r := range zc.Regions {
			zn.regions = append(zn.regions, strings.ToUpper(r))
		}
		ids := map[string]int{}
		for k, oc := range zc.Options {
			opath := fmt.Sprintf("%s.options[%d]", path, k)
			if j, dup := ids[oc.ID]; dup {
				add("%s.id: duplicate option id %q in zone %q (also options[%d])", opath, oc.ID, zc.Name, j)
			} else {
				ids[oc.ID] = k
			}
			if cfg.Digital != nil && oc.ID == cfg.Digital.ID {
				add("%s.id: %q is also the digital option's id", opath, oc.ID)
			}
			zn.options = append(zn.options, oc.build(opath, add))
		}
		z.list = append(z.list, zn)
	}
	if cfg.Digital != nil {
		if strings.TrimSpace(cfg.Digital.ID) == "" {
			add("digital.id is required")
		}
		if strings.TrimSpace(cfg.Digital.Title) == "" {
			add("digital.title is required")
		}
	}
	if cfg.DefaultZone != "" {
		i, ok := names[cfg.DefaultZone]
		if !ok {
			add("default_zone: no zone is named %q", cfg.DefaultZone)
		} else {
			z.defaultZone = &z.list[i]
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return z, nil
}

// build checks one option, reporting problems to add.
func (oc optionConfig) build(path string, add func(string, ...any)) option {
	o := option{optionConfig: oc, typ: acp.FulfillmentType(oc.Type)}
	if strings.TrimSpace(oc.ID) == "" {
		add("%s.id is required", path)
	}
	if strings.TrimSpace(oc.Title) == "" {
		add("%s.title is required", path)
	}
	// The schema's oneOf sets exactly one of flat and the bracket lists.
	switch {
	case oc.WeightBrackets != nil:
		o.brackets = buildBrackets(path+".weight_brackets", "up_to_grams", oc.WeightBrackets, add)
	case oc.PriceBrackets != nil:
		o.brackets = buildBrackets(path+".price_brackets", "up_to", oc.PriceBrackets, add)
	}
	if d := oc.Delivery; d != nil && d.Max < d.Min {
		add("%s.delivery.max must be at least min, got min %d, max %d", path, d.Min, d.Max)
	}
	switch {
	case o.typ == acp.FulfillmentPickup && oc.Pickup == nil:
		add("%s.pickup is required for a pickup option: the location's name and address", path)
	case o.typ != acp.FulfillmentPickup && oc.Pickup != nil:
		add("%s.pickup is only for pickup options, and this one's type is %q", path, oc.Type)
	case oc.Pickup != nil && strings.TrimSpace(oc.Pickup.Name) == "":
		add("%s.pickup.name is required", path)
	}
	return o
}

// buildBrackets checks brackets: bounds rising, and only the last without
// a bound. The schema guarantees the rest: at least one bracket, bounds
// and amounts of 0 or more, and only boundKey as a bound.
func buildBrackets(path, boundKey string, in []bracketConfig, add func(string, ...any)) []bracket {
	out := make([]bracket, 0, len(in))
	prev := int64(-1)
	for i, b := range in {
		bpath := fmt.Sprintf("%s[%d]", path, i)
		bound := cmp.Or(b.UpToGrams, b.UpTo)
		br := bracket{upTo: -1, amount: b.Amount}
		switch {
		case bound == nil && i != len(in)-1:
			add("%s.%s is required: only the last bracket may leave it out", bpath, boundKey)
		case bound == nil:
		case *bound <= prev:
			add("%s.%s must be above the previous bracket's, got %d", bpath, boundKey, *bound)
		default:
			br.upTo, prev = *bound, *bound
		}
		out = append(out, br)
	}
	return out
}
