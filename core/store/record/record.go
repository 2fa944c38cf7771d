package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/acp-sidecar/acp/core/model"
)

// Format is the newest record format: the newest this release reads.
const Format = 6

// CheckoutFormat is the format the checkout's records are written in
// (sessions, orders, webhook events, stock levels, reservations, failed
// orders): the format that last changed them. It stays behind Format while
// the later formats only add kinds of record, so that the previous
// release, which reads CheckoutFormat but not Format, still reads every
// record it knows that this one writes, as replicas of both serve side by
// side during a rolling upgrade. A format that changes a checkout record
// sets CheckoutFormat to itself.
const CheckoutFormat = 4

// FeedFormat is the format the feed records are written in (feed targets
// and feed products): the format that last changed them, so that a later
// format changing only the checkout's records leaves the feed records
// readable by the previous release. A format that changes a feed record
// sets FeedFormat to itself.
const FeedFormat = 5

// UCPFormat is the format of the checkout's records that carry UCP data:
// a session or an order made over UCP (its UCP context) and a UCP order
// event (its protocol and receiver). The previous release would read
// them as ACP records, silently dropping what makes them UCP's, and
// could write them back without it; it refuses this format instead,
// while every record made over ACP stays in CheckoutFormat.
const UCPFormat = 6

// WriteFormat is the format v is written in: FeedFormat for the feed
// records, UCPFormat for a record carrying UCP data (a session or order
// whose UCP context is set, an event whose Protocol is set),
// CheckoutFormat for the others.
func WriteFormat(v any) int {
	switch v := v.(type) {
	case *model.FeedTarget, *model.FeedProduct:
		return FeedFormat
	case *model.Session:
		if v.UCP != nil || (v.Order != nil && v.Order.UCP != nil) {
			return UCPFormat
		}
	case *model.Order:
		if v.UCP != nil {
			return UCPFormat
		}
	case *model.WebhookEvent:
		if v.Protocol != "" {
			return UCPFormat
		}
	}
	return CheckoutFormat
}

// readsUpTo, when set at build time (-ldflags "-X
// github.com/acp-sidecar/acp/core/store/record.readsUpTo=N"), makes a
// binary that reads the record formats up to N only: the previous
// release's reader, so that a rolling upgrade test of two builds of one
// source tree fails when this release writes a record the previous one
// cannot read. Empty in every release.
var readsUpTo string

// newestRead is the newest format this build reads: Format, or readsUpTo
// when set.
func newestRead() int {
	if n, err := strconv.Atoi(readsUpTo); err == nil {
		return n
	}
	return Format
}

// EncodeSession returns the session's record, to be stored in
// WriteFormat(s): what WriteSession writes, in memory of its own.
func EncodeSession(s *model.Session) ([]byte, error) {
	var buf bytes.Buffer
	if err := WriteSession(&buf, s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteSession appends the session's record to buf, in memory the caller
// may reuse (a store that compresses the record before storing it needs
// the JSON only until then).
func WriteSession(buf *bytes.Buffer, s *model.Session) error {
	// The record is built in a pooled struct rather than boxed anew for
	// the encoder: it is needed only while it is encoded, and is cleared
	// before it goes back.
	r := sessionRecords.Get().(*session)
	defer func() {
		*r = session{}
		sessionRecords.Put(r)
	}()
	*r = fromSession(s)
	return writeJSON(buf, r)
}

// sessionRecords are the structs WriteSession builds records in.
var sessionRecords = sync.Pool{New: func() any { return new(session) }}

// writeJSON appends v's JSON to buf, byte for byte what json.Marshal
// returns; on an error buf is left as it was.
func writeJSON(buf *bytes.Buffer, v any) error {
	n := buf.Len()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		buf.Truncate(n)
		return err
	}
	// Encode ends the value with a newline, which json.Marshal does not
	// write (it escapes HTML as Marshal does).
	buf.Truncate(buf.Len() - 1)
	return nil
}

// DecodeSession reads a session record written in format.
func DecodeSession(format int, data []byte) (*model.Session, error) {
	var r session
	if err := decode(format, data, &r); err != nil {
		return nil, err
	}
	return r.model(), nil
}

// EncodeOrder returns the order's record, to be stored in WriteFormat(o).
func EncodeOrder(o *model.Order) ([]byte, error) {
	return json.Marshal(fromOrder(o))
}

// DecodeOrder reads an order record written in format.
func DecodeOrder(format int, data []byte) (*model.Order, error) {
	var r order
	if err := decode(format, data, &r); err != nil {
		return nil, err
	}
	return r.model(), nil
}

// EncodeWebhookEvent returns the event's record, to be stored in
// WriteFormat(e).
func EncodeWebhookEvent(e *model.WebhookEvent) ([]byte, error) {
	return json.Marshal(fromWebhookEvent(e))
}

// DecodeWebhookEvent reads a webhook event record written in format.
func DecodeWebhookEvent(format int, data []byte) (*model.WebhookEvent, error) {
	var r webhookEvent
	if err := decode(format, data, &r); err != nil {
		return nil, err
	}
	return r.model(), nil
}

// decode reads data of format into r: formats 0 and 1 share their JSON.
func decode(format int, data []byte, r any) error {
	if newest := newestRead(); format < 0 || format > newest {
		return fmt.Errorf("record format %d is unknown to this release (it reads 0 to %d): written by a newer one?", format, newest)
	}
	if err := json.Unmarshal(data, r); err != nil {
		return fmt.Errorf("decode format %d record: %w", format, err)
	}
	return nil
}

// mapSlice converts each element with f, keeping a nil slice nil and an
// empty one empty, as JSON distinguishes them (null and []).
func mapSlice[From, To any](in []From, f func(From) To) []To {
	if in == nil {
		return nil
	}
	out := make([]To, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// mapPtr converts the value behind p with f, keeping nil nil.
func mapPtr[From, To any](p *From, f func(From) To) *To {
	if p == nil {
		return nil
	}
	v := f(*p)
	return &v
}
