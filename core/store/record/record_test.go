package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/core/model"
)

// fill sets every field reachable from v to a value that is not zero and
// differs from its neighbours', so that a conversion dropping or swapping
// a field shows in a round trip.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Date(2026, 12, 6, 12, 0, *n, *n, time.UTC)))
		return
	case reflect.TypeFor[json.RawMessage]():
		v.Set(reflect.ValueOf(json.RawMessage(fmt.Sprintf(`{"n":%d}`, *n))))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Uint8: // a byte of []byte
		v.SetUint(uint64(*n))
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint64:
		v.SetUint(uint64(*n))
	case reflect.Float64:
		v.SetFloat(float64(*n) + 0.5)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), n)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for range 2 {
			key, value := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(key, n)
			fill(value, n)
			v.SetMapIndex(key, value)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	default:
		panic("fill: no value for " + v.Type().String())
	}
}

func filled[T any]() *T {
	var v T
	n := 0
	fill(reflect.ValueOf(&v).Elem(), &n)
	return &v
}

// TestRoundTrip: every field of the model survives a record written in
// Format and read back, as do empty and absent lists (JSON's [] and null).
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	type roundTrip struct {
		value  any
		encode func(any) ([]byte, error)
		decode func(int, []byte) (any, error)
	}
	testCases := map[string]roundTrip{}
	everyField := filled[model.Session]()
	everyField.Order.Insights = nil // a session's copy of its order keeps none (TestSessionOrderWithoutInsights)
	sessions := map[string]*model.Session{
		"every field":   everyField,
		"zero":          {},
		"empty lists":   {Lines: []model.Line{}, Options: []model.FulfillmentOption{}, Selected: []model.SelectedOption{}, Messages: nil},
		"with an order": {ID: "cs_1", Order: &model.Order{ID: "ord_1"}},
	}
	for name, s := range sessions {
		testCases["session: "+name] = roundTrip{s,
			func(v any) ([]byte, error) { return EncodeSession(v.(*model.Session)) },
			func(f int, data []byte) (any, error) { return DecodeSession(f, data) }}
	}
	for name, o := range map[string]*model.Order{"every field": filled[model.Order](), "zero": {}} {
		testCases["order: "+name] = roundTrip{o,
			func(v any) ([]byte, error) { return EncodeOrder(v.(*model.Order)) },
			func(f int, data []byte) (any, error) { return DecodeOrder(f, data) }}
	}
	for name, e := range map[string]*model.WebhookEvent{"every field": filled[model.WebhookEvent](), "zero": {}} {
		testCases["webhook event: "+name] = roundTrip{e,
			func(v any) ([]byte, error) { return EncodeWebhookEvent(v.(*model.WebhookEvent)) },
			func(f int, data []byte) (any, error) { return DecodeWebhookEvent(f, data) }}
	}
	for name, r := range map[string]*model.Reservation{"every field": filled[model.Reservation](), "zero": {}} {
		testCases["reservation: "+name] = roundTrip{r,
			func(v any) ([]byte, error) { return EncodeReservation(v.(*model.Reservation)) },
			func(f int, data []byte) (any, error) { return DecodeReservation(f, data) }}
	}
	for name, ft := range map[string]*model.FeedTarget{"every field": filled[model.FeedTarget](), "zero": {}} {
		testCases["feed target: "+name] = roundTrip{ft,
			func(v any) ([]byte, error) { return EncodeFeedTarget(v.(*model.FeedTarget)) },
			func(f int, data []byte) (any, error) { return DecodeFeedTarget(f, data) }}
	}
	feedProducts := map[string]*model.FeedProduct{"every field": filled[model.FeedProduct](), "zero": {},
		"a body that is not JSON": {Target: "t", ProductID: "p", Body: []byte{0, 0xff, '{'}}}
	for name, fp := range feedProducts {
		testCases["feed product: "+name] = roundTrip{fp,
			func(v any) ([]byte, error) { return EncodeFeedProduct(v.(*model.FeedProduct)) },
			func(f int, data []byte) (any, error) { return DecodeFeedProduct(f, data) }}
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := tc.encode(tc.value)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tc.decode(Format, data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.value, got); diff != "" {
				t.Errorf("round trip (-written +read):\n%s", diff)
			}
		})
	}
}

// TestSessionOrderWithoutInsights: a session's record keeps its copy of
// the order without the order's insights (the attribution token, the
// consents, the risk signals), which only the order record keeps, so that
// orders.insights_retention erases them; the order record keeps them.
func TestSessionOrderWithoutInsights(t *testing.T) {
	t.Parallel()
	o := filled[model.Order]()
	o.Insights.FirstTouch.Token = "atok_secret"
	data, err := EncodeSession(&model.Session{ID: "cs_1", Order: o})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "atok_secret") || strings.Contains(string(data), `"insights"`) {
		t.Errorf("session record = %s; want no insights", data)
	}
	if o.Insights == nil {
		t.Error("encoding the session dropped the insights of the caller's order")
	}
	sess, err := DecodeSession(Format, data)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Order == nil || sess.Order.Insights != nil || sess.Order.ID != o.ID {
		t.Errorf("session's order read back = %+v; want the order without insights", sess.Order)
	}
	data, err = EncodeOrder(o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "atok_secret") {
		t.Errorf("order record = %s; want its insights", data)
	}
}

// TestDecodeRefuses: a format this release does not know, and a record
// that is not JSON, are errors rather than empty values.
func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		format int
		data   string
		want   string
	}{
		"a newer format":    {Format + 1, `{"id":"cs_1"}`, "unknown to this release"},
		"a negative format": {-1, `{"id":"cs_1"}`, "unknown to this release"},
		"not JSON":          {Format, `{"id":`, "decode format"},
		"a wrong type":      {0, `["cs_1"]`, "decode format 0"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for kind, decode := range map[string]func(int, []byte) error{
				"session":       func(f int, d []byte) error { _, err := DecodeSession(f, d); return err },
				"order":         func(f int, d []byte) error { _, err := DecodeOrder(f, d); return err },
				"webhook event": func(f int, d []byte) error { _, err := DecodeWebhookEvent(f, d); return err },
				"feed target":   func(f int, d []byte) error { _, err := DecodeFeedTarget(f, d); return err },
				"feed product":  func(f int, d []byte) error { _, err := DecodeFeedProduct(f, d); return err },
			} {
				if err := decode(tc.format, []byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: error %v, want one containing %q", kind, err, tc.want)
				}
			}
		})
	}
}

// TestWriteFormat holds each record to the format that last changed it:
// a kind's (CheckoutFormat, FeedFormat), or UCPFormat for a record
// carrying UCP data, so that the previous release still reads what a
// later format left alone during a rolling upgrade (every record made
// over ACP) and refuses the rest; and the newest of them to Format.
func TestWriteFormat(t *testing.T) {
	ucpContext := &model.UCPContext{Profile: "https://platform.example/profile", OrderWebhookURL: "https://platform.example/orders"}
	tests := map[string]struct {
		v    any
		want int
	}{
		"session":                        {&model.Session{}, CheckoutFormat},
		"session with an ACP order":      {&model.Session{Order: &model.Order{ID: "ord_1"}}, CheckoutFormat},
		"session made over UCP":          {&model.Session{UCP: ucpContext}, UCPFormat},
		"session with a UCP order":       {&model.Session{Order: &model.Order{ID: "ord_1", UCP: ucpContext}}, UCPFormat},
		"order":                          {&model.Order{}, CheckoutFormat},
		"order placed over UCP":          {&model.Order{UCP: &model.UCPContext{}}, UCPFormat},
		"webhook event":                  {&model.WebhookEvent{}, CheckoutFormat},
		"webhook event of an ACP target": {&model.WebhookEvent{Target: "orders", APIVersion: "2026-04-17"}, CheckoutFormat},
		"UCP webhook event":              {&model.WebhookEvent{Target: model.TargetUCP, Protocol: model.ProtocolUCP, URL: "https://platform.example/orders"}, UCPFormat},
		"stock level":                    {&model.StockLevel{}, CheckoutFormat},
		"reservation":                    {&model.Reservation{}, CheckoutFormat},
		"failed order":                   {&model.FailedOrder{}, CheckoutFormat},
		"feed target":                    {&model.FeedTarget{}, FeedFormat},
		"feed product":                   {&model.FeedProduct{}, FeedFormat},
	}
	for name, tc := range tests {
		if got := WriteFormat(tc.v); got != tc.want {
			t.Errorf("%s: WriteFormat = %d, want %d", name, got, tc.want)
		}
	}
	if newest := max(CheckoutFormat, FeedFormat, UCPFormat); newest != Format {
		t.Errorf("the newest format a record is written in is %d; want Format %d", newest, Format)
	}
}

// TestReadsUpTo: a build with readsUpTo set (the previous release's
// reader in the rolling upgrade test) refuses the formats past it and
// reads the others.
func TestReadsUpTo(t *testing.T) {
	readsUpTo = strconv.Itoa(Format - 1)
	defer func() { readsUpTo = "" }()
	if _, err := DecodeSession(Format, []byte(`{"id":"cs_1"}`)); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("it reads 0 to %d", Format-1)) {
		t.Errorf("decoding format %d with readsUpTo %s = %v; want refused", Format, readsUpTo, err)
	}
	if _, err := DecodeSession(Format-1, []byte(`{"id":"cs_1"}`)); err != nil {
		t.Errorf("decoding format %d with readsUpTo %s = %v", Format-1, readsUpTo, err)
	}
}

// TestPreviousReleaseReadsACPOnly: the previous release (reading up to
// format 5) reads every record this one writes for an ACP checkout, whole,
// and refuses every record carrying UCP data instead of reading it as an
// ACP record without its UCP context.
func TestPreviousReleaseReadsACPOnly(t *testing.T) {
	readsUpTo = "5"
	defer func() { readsUpTo = "" }()
	ucpOrder := filled[model.Order]()
	acpOrder := filled[model.Order]()
	acpOrder.UCP = nil
	for i := range acpOrder.Lines {
		acpOrder.Lines[i].ItemID = ""
	}
	ucpSession := filled[model.Session]()
	ucpSession.Order.Insights = nil
	acpSession := filled[model.Session]()
	acpSession.UCP, acpSession.Order = nil, acpOrder.SessionCopy()
	ucpEvent := filled[model.WebhookEvent]()
	acpEvent := filled[model.WebhookEvent]()
	acpEvent.Protocol, acpEvent.URL = "", ""
	type kind struct {
		value  any
		encode func() ([]byte, error)
		decode func(int, []byte) (any, error)
	}
	decodeSession := func(f int, d []byte) (any, error) { return DecodeSession(f, d) }
	decodeOrder := func(f int, d []byte) (any, error) { return DecodeOrder(f, d) }
	decodeEvent := func(f int, d []byte) (any, error) { return DecodeWebhookEvent(f, d) }
	tests := map[string]struct {
		kind
		ucp bool
	}{
		"ACP session":       {kind{acpSession, func() ([]byte, error) { return EncodeSession(acpSession) }, decodeSession}, false},
		"ACP order":         {kind{acpOrder, func() ([]byte, error) { return EncodeOrder(acpOrder) }, decodeOrder}, false},
		"ACP webhook event": {kind{acpEvent, func() ([]byte, error) { return EncodeWebhookEvent(acpEvent) }, decodeEvent}, false},
		"UCP session":       {kind{ucpSession, func() ([]byte, error) { return EncodeSession(ucpSession) }, decodeSession}, true},
		"UCP order":         {kind{ucpOrder, func() ([]byte, error) { return EncodeOrder(ucpOrder) }, decodeOrder}, true},
		"UCP webhook event": {kind{ucpEvent, func() ([]byte, error) { return EncodeWebhookEvent(ucpEvent) }, decodeEvent}, true},
	}
	for name, tc := range tests {
		data, err := tc.encode()
		if err != nil {
			t.Fatal(err)
		}
		format := WriteFormat(tc.value)
		got, err := tc.decode(format, data)
		if tc.ucp {
			if err == nil || !strings.Contains(err.Error(), "it reads 0 to 5") {
				t.Errorf("%s: the previous release read format %d as %v, %v; want it refused", name, format, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: the previous release refused format %d: %v", name, format, err)
			continue
		}
		if diff := cmp.Diff(tc.value, got); diff != "" {
			t.Errorf("%s: read by the previous release (-written +read):\n%s", name, diff)
		}
	}
}

// TestWriteSession: WriteSession appends to what its buffer holds the
// bytes json.Marshal gives of the record (the stored format, HTML escapes
// and all), which EncodeSession returns too; a session that cannot be
// encoded leaves the buffer as it was.
func TestWriteSession(t *testing.T) {
	t.Parallel()
	escapes := filled[model.Session]()
	escapes.Lines[0].Name = "Mugs <b>&</b> cups\u2028\u2029"
	escapes.Metadata = json.RawMessage(`{ "note" : "<script>" }`)
	testCases := map[string]*model.Session{
		"every field":        filled[model.Session](),
		"zero":               {},
		"empty lists":        {Lines: []model.Line{}, Options: []model.FulfillmentOption{}, Selected: []model.SelectedOption{}},
		"characters escaped": escapes,
	}
	for name, s := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, err := json.Marshal(fromSession(s))
			if err != nil {
				t.Fatal(err)
			}
			if encoded, err := EncodeSession(s); err != nil || string(encoded) != string(want) {
				t.Errorf("EncodeSession = %q, %v; want %q", encoded, err, want)
			}
			var buf bytes.Buffer
			buf.WriteString("head")
			if err := WriteSession(&buf, s); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != "head"+string(want) {
				t.Errorf("WriteSession wrote %q\njson.Marshal gives %q", got, want)
			}
		})
	}
	bad := &model.Session{ID: "cs_1", Metadata: json.RawMessage(`{"unterminated"`)}
	var buf bytes.Buffer
	buf.WriteString("head")
	if err := WriteSession(&buf, bad); err == nil || buf.String() != "head" {
		t.Errorf("WriteSession(malformed metadata) = %v, buffer %q; want an error and the buffer as it was", err, buf.String())
	}
}

// TestWriteSessionConcurrently writes distinct sessions' records from 16
// goroutines at once, each built in a pooled struct, and checks every one
// against EncodeSession: a struct shared between two writes would mix
// their sessions (and -race reports the shared writes).
func TestWriteSessionConcurrently(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 100 {
				s := filled[model.Session]()
				s.ID = fmt.Sprintf("cs_%d_%d", g, i)
				s.Lines = s.Lines[:i%3]
				want, err := EncodeSession(s)
				if err != nil {
					t.Error(err)
					return
				}
				var buf bytes.Buffer
				if err := WriteSession(&buf, s); err != nil || !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("goroutine %d, session %d: WriteSession = %s, %v\nwant %s", g, i, buf.Bytes(), err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
