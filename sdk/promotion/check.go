package promotion

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
)

// Kinds returns the promotion kinds, in documentation order.
func Kinds() []string { return []string{KindPercentOff, KindAmountOff, KindFreeShipping} }

// Scopes returns what a promotion may cover (AppliesTo), in
// documentation order.
func Scopes() []string { return []string{AppliesToOrder, AppliesToItems, AppliesToCategories} }

// idPattern is what a promotion id may contain.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)

// Problem is one rule a promotion of a list breaks.
type Problem struct {
	// Index is the promotion's index in the list.
	Index int
	// Field names the promotion's field as files write it: id, code,
	// kind, percent_off, amount_off, applies_to, items, categories,
	// min_subtotal, ends_at, max_uses or priority.
	Field string
	// Message says what is wrong, for a person.
	Message string
}

// Path is where the problem is: promotions[Index].Field.
func (p Problem) Path() string { return fmt.Sprintf("promotions[%d].%s", p.Index, p.Field) }

// Error implements error.
func (p Problem) Error() string { return p.Path() + ": " + p.Message }

// Check returns the problems of list, in list order, or none when New
// may take it: ids present and unique, codes unique (case-insensitively)
// and without surrounding spaces or control characters, a known kind with
// its percentage (above 0, at most 100) or amount (1 or more), a known
// scope with its items or categories, a window that ends after it
// starts, and no negative minimum, usage limit or priority; a usage
// limit needs a code.
func Check(list []Promotion) []Problem {
	var out []Problem
	add := func(i int, field, format string, args ...any) {
		out = append(out, Problem{Index: i, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	ids, codes := map[string]int{}, map[string]int{}
	for i, p := range list {
		switch j, dup := ids[p.ID]; {
		case p.ID == "":
			add(i, "id", "is required")
		case !idPattern.MatchString(p.ID):
			add(i, "id", "%q may contain only letters, digits, '.', '_', ':' and '-'", p.ID)
		case dup:
			add(i, "id", "duplicate id %q (also promotions[%d])", p.ID, j)
		default:
			ids[p.ID] = i
		}
		if p.Code != "" {
			key := strings.ToUpper(p.Code)
			switch j, dup := codes[key]; {
			case strings.TrimSpace(p.Code) != p.Code || strings.ContainsFunc(p.Code, func(r rune) bool { return r < ' ' || r == 0x7f }):
				add(i, "code", "%q must not start or end with spaces or contain control characters", p.Code)
			case dup:
				add(i, "code", "code %q is also promotions[%d]'s (codes match case-insensitively)", p.Code, j)
			default:
				codes[key] = i
			}
		}
		checkValue(i, p, add)
		checkScope(i, p, add)
		if p.MinSubtotal < 0 {
			add(i, "min_subtotal", "must be 0 (none) or more, got %d", p.MinSubtotal)
		}
		if !p.StartsAt.IsZero() && !p.EndsAt.IsZero() && !p.EndsAt.After(p.StartsAt) {
			add(i, "ends_at", "must be after starts_at (%s), got %s", p.StartsAt.Format(time.RFC3339), p.EndsAt.Format(time.RFC3339))
		}
		switch {
		case p.MaxUses < 0:
			add(i, "max_uses", "must be 0 (no limit) or more, got %d", p.MaxUses)
		case p.MaxUses > 0 && p.Code == "":
			add(i, "max_uses", "limits a code's uses: an automatic promotion (no code) cannot have one")
		}
		if p.Priority < 0 {
			add(i, "priority", "must be 1 (first) or more, got %d", p.Priority)
		}
	}
	return out
}

func checkValue(i int, p Promotion, add func(int, string, string, ...any)) {
	switch p.Kind {
	case KindPercentOff:
		if !(p.PercentOff > 0 && p.PercentOff <= 100) {
			add(i, "percent_off", "a percentage above 0 and at most 100 is required, got %v", p.PercentOff)
		}
		if p.AmountOff != 0 {
			add(i, "amount_off", "percent_off takes no amount, got %d", p.AmountOff)
		}
	case KindAmountOff:
		if p.AmountOff < 1 {
			add(i, "amount_off", "a whole amount of 1 or more (minor units) is required, got %d", p.AmountOff)
		}
		if p.PercentOff != 0 {
			add(i, "percent_off", "amount_off takes no percentage, got %v", p.PercentOff)
		}
	case KindFreeShipping:
		if p.PercentOff != 0 || p.AmountOff != 0 {
			add(i, "kind", "free_shipping takes no percentage or amount")
		}
	case "":
		add(i, "kind", "is required: one of %s", strings.Join(Kinds(), ", "))
	default:
		add(i, "kind", "must be one of %s, got %q", strings.Join(Kinds(), ", "), p.Kind)
	}
}

func checkScope(i int, p Promotion, add func(int, string, string, ...any)) {
	switch p.AppliesTo {
	case AppliesToOrder:
		if len(p.Items) > 0 || len(p.Categories) > 0 {
			add(i, "applies_to", "items and categories need applies_to: items or categories")
		}
	case AppliesToItems:
		if len(p.Items) == 0 {
			add(i, "items", "at least one item id is required with applies_to: items")
		}
	case AppliesToCategories:
		if len(p.Categories) == 0 {
			add(i, "categories", "at least one category is required with applies_to: categories")
		}
	default:
		add(i, "applies_to", "must be one of %s, got %q", strings.Join(Scopes(), ", "), p.AppliesTo)
	}
}

// SetValue sets the percentage or the amount of p's kind from one number,
// as acp.yaml and the catalog-file plugin's promotions file write it (a
// "value"): the percentage of percent_off, the amount of amount_off
// (minor units, a whole number) and none for free_shipping. It fails on a
// value the kind cannot take; Check reports a percentage or amount out
// of range. An unknown kind takes nothing (Check reports the kind).
func (p *Promotion) SetValue(v float64) error {
	switch p.Kind {
	case KindPercentOff:
		p.PercentOff = v
	case KindAmountOff:
		if !(v >= 1 && v < math.MaxInt64/2) || v != math.Trunc(v) {
			return fmt.Errorf("a whole amount of 1 or more (minor units) is required, got %v", v)
		}
		p.AmountOff = int64(v)
	case KindFreeShipping:
		if v != 0 {
			return fmt.Errorf("free_shipping takes no value, got %v", v)
		}
	}
	return nil
}

// ParseTime parses a promotion's start or end as files write it: an RFC
// 3339 time, or a date (its midnight UTC).
func ParseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("must be an RFC 3339 time such as 2026-03-01T00:00:00Z or a date such as 2026-03-01 (midnight UTC), got %q", v)
	}
	return t, nil
}

// Written is a promotion as a seller writes it, in acp.yaml or in a
// catalog plugin's promotions file: one value for the kind's percentage
// or amount, and its times as text. The JSON names are the file's.
type Written struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Code        string   `json:"code"`
	Kind        string   `json:"kind"`
	Value       float64  `json:"value"`
	AppliesTo   string   `json:"applies_to"`
	Items       []string `json:"items"`
	Categories  []string `json:"categories"`
	MinSubtotal int64    `json:"min_subtotal"`
	StartsAt    string   `json:"starts_at"`
	EndsAt      string   `json:"ends_at"`
	MaxUses     int64    `json:"max_uses"`
	Combinable  bool     `json:"combinable"`
	Priority    int      `json:"priority"`
}

// Promotion returns w as the engine takes it (the name defaults to the
// id, applies_to to order) with the problems of its value and times,
// which Check cannot see, as the promotion at index of its list.
func (w Written) Promotion(index int) (Promotion, []Problem) {
	p := Promotion{
		ID: w.ID, Name: w.Name, Code: w.Code, Kind: w.Kind, AppliesTo: w.AppliesTo,
		Items: w.Items, Categories: w.Categories, MinSubtotal: w.MinSubtotal,
		MaxUses: w.MaxUses, Combinable: w.Combinable, Priority: w.Priority,
	}
	if p.Name == "" {
		p.Name = p.ID
	}
	if p.AppliesTo == "" {
		p.AppliesTo = AppliesToOrder
	}
	var problems []Problem
	if err := p.SetValue(w.Value); err != nil {
		problems = append(problems, Problem{Index: index, Field: "value", Message: err.Error()})
	}
	for _, t := range []struct {
		field, value string
		to           *time.Time
	}{{"starts_at", w.StartsAt, &p.StartsAt}, {"ends_at", w.EndsAt, &p.EndsAt}} {
		if t.value == "" {
			continue
		}
		at, err := ParseTime(t.value)
		if err != nil {
			problems = append(problems, Problem{Index: index, Field: t.field, Message: err.Error()})
		}
		*t.to = at
	}
	return p, problems
}
