package badgerstore

import (
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
)

// TestFixtureSetsEveryField checks that every leaf field of every kind of
// record is set (non-zero) somewhere in fixtureContent. Reading the
// fixture back whole catches a record field whose JSON tag is wrong only
// when the fixture sets that field, so a field added to a record without
// a value in the fixture fails here. A field is named by the struct that
// declares it: core/store/record keeps one record struct per model struct
// (its conversions are Go conversions where the fields match), so setting
// acp.Address.Company in the shipping address tests the tag of every
// stored address.
func TestFixtureSetsEveryField(t *testing.T) {
	t.Parallel()
	f := fixtureContent()
	set := map[string]bool{}
	for _, s := range f.sessions {
		setLeaves(reflect.ValueOf(s), "", set)
	}
	for _, o := range f.orders {
		setLeaves(reflect.ValueOf(o), "", set)
	}
	for _, r := range f.idempotency {
		setLeaves(reflect.ValueOf(r), "", set)
	}
	for _, list := range [][]*model.WebhookEvent{f.pending, f.dead, f.delivered} {
		for _, e := range list {
			setLeaves(reflect.ValueOf(e), "", set)
		}
	}
	for _, l := range f.stockLevels {
		setLeaves(reflect.ValueOf(l), "", set)
	}
	for _, r := range f.reservations {
		setLeaves(reflect.ValueOf(r), "", set)
	}
	for _, fo := range f.failed {
		setLeaves(reflect.ValueOf(fo), "", set)
	}
	for _, ft := range f.feedTargets {
		setLeaves(reflect.ValueOf(ft), "", set)
	}
	for _, p := range f.feedProducts {
		setLeaves(reflect.ValueOf(p), "", set)
	}
	all := map[string]bool{}
	walked := map[reflect.Type]bool{}
	for _, v := range []any{model.Session{}, model.Order{}, model.IdempotencyRecord{}, model.WebhookEvent{},
		model.StockLevel{}, model.Reservation{}, model.FailedOrder{}, model.FeedTarget{}, model.FeedProduct{}} {
		leaves(reflect.TypeOf(v), "", walked, all)
	}
	for _, leaf := range slices.Sorted(maps.Keys(all)) {
		if !set[leaf] {
			t.Errorf("no record in the fixture sets %s: set it in fixtureContent (and write a new fixture store if the format changed)", leaf)
		}
	}
	if len(all) < 100 {
		t.Errorf("found %d leaf fields, fewer than the records have: the walk is broken", len(all))
	}
}

// isLeaf reports whether a field of type t is checked as a whole: not a
// struct whose fields are walked, nor a pointer, slice or map of those.
// A struct without exported fields (time.Time) is a leaf, and so is a
// byte slice (raw JSON, a payload).
func isLeaf(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Struct:
		return t == reflect.TypeFor[time.Time]() || !slices.ContainsFunc(reflect.VisibleFields(t), reflect.StructField.IsExported)
	case reflect.Pointer, reflect.Map:
		return false
	case reflect.Slice, reflect.Array:
		return t.Elem().Kind() == reflect.Uint8
	default:
		return true
	}
}

// leaves adds to out the leaf fields under t, which is the type of the
// field named name (or a root). Each struct type is walked once.
func leaves(t reflect.Type, name string, walked map[reflect.Type]bool, out map[string]bool) {
	switch {
	case isLeaf(t):
		out[name] = true
	case t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map:
		leaves(t.Elem(), name, walked, out)
	case !walked[t]:
		walked[t] = true
		for i := range t.NumField() {
			if field := t.Field(i); field.IsExported() {
				leaves(field.Type, t.String()+"."+field.Name, walked, out)
			}
		}
	}
}

// setLeaves adds to set the leaf fields under v, the value of the field
// named name (or a root), that are not zero.
func setLeaves(v reflect.Value, name string, set map[string]bool) {
	if isLeaf(v.Type()) {
		if !v.IsZero() {
			set[name] = true
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			setLeaves(v.Elem(), name, set)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			setLeaves(v.Index(i), name, set)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			setLeaves(it.Value(), name, set)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if field := v.Type().Field(i); field.IsExported() {
				setLeaves(v.Field(i), v.Type().String()+"."+field.Name, set)
			}
		}
	}
}
