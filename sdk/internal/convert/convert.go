// Package convert maps the SDK's Go types to the generated protocol
// messages and back. Every capability message has a pair of functions; the
// host uses one direction for requests and the other for responses, the
// plugin the reverse, so each pair is tested as a round trip.
package convert

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/acp-sidecar/acp/sdk/acp"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
)

// AddressToProto converts an address; nil stays nil.
func AddressToProto(a *acp.Address) *pb.Address {
	if a == nil {
		return nil
	}
	return &pb.Address{
		Name: a.Name, LineOne: a.LineOne, LineTwo: a.LineTwo, City: a.City, State: a.State,
		Country: a.Country, PostalCode: a.PostalCode, Company: a.Company,
	}
}

// AddressFromProto converts an address; nil stays nil.
func AddressFromProto(a *pb.Address) *acp.Address {
	if a == nil {
		return nil
	}
	return &acp.Address{
		Name: a.GetName(), LineOne: a.GetLineOne(), LineTwo: a.GetLineTwo(), City: a.GetCity(), State: a.GetState(),
		Country: a.GetCountry(), PostalCode: a.GetPostalCode(), Company: a.GetCompany(),
	}
}

// WeightToProto converts a weight; nil stays nil.
func WeightToProto(w *acp.Weight) *pb.Weight {
	if w == nil {
		return nil
	}
	return &pb.Weight{Value: w.Value, Unit: w.Unit}
}

// WeightFromProto converts a weight; nil stays nil.
func WeightFromProto(w *pb.Weight) *acp.Weight {
	if w == nil {
		return nil
	}
	return &acp.Weight{Value: w.GetValue(), Unit: w.GetUnit()}
}

// MessagesToProto converts messages.
func MessagesToProto(ms acp.Messages) []*pb.Message {
	return mapSlice(ms, func(m acp.Message) *pb.Message {
		return &pb.Message{Type: string(m.Type), Code: m.Code, Param: m.Param, Content: m.Content, Resolution: string(m.Resolution)}
	})
}

// MessagesFromProto converts messages.
func MessagesFromProto(ms []*pb.Message) acp.Messages {
	return mapSlice(ms, func(m *pb.Message) acp.Message {
		return acp.Message{
			Type: acp.MessageType(m.GetType()), Code: m.GetCode(), Param: m.GetParam(), Content: m.GetContent(),
			Resolution: acp.Resolution(m.GetResolution()),
		}
	})
}

// FulfillmentTypesToProto converts fulfillment types to their names.
func FulfillmentTypesToProto(ts []acp.FulfillmentType) []string {
	return mapSlice(ts, func(t acp.FulfillmentType) string { return string(t) })
}

// FulfillmentTypesFromProto converts fulfillment type names.
func FulfillmentTypesFromProto(ts []string) []acp.FulfillmentType {
	return mapSlice(ts, func(t string) acp.FulfillmentType { return acp.FulfillmentType(t) })
}

// TimeToProto converts a time; the zero time becomes nil.
func TimeToProto(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// MaxAgeToProto converts an answer's MaxAge to whole milliseconds,
// rounding down: an age under a millisecond is 0, never reused.
func MaxAgeToProto(d time.Duration) int64 { return d.Milliseconds() }

// MaxAgeFromProto converts max_age_ms; 0, what a plugin of protocol 1.4
// sends, stays 0 (never reused). A negative value stays negative, which
// the host reads as never reused too.
func MaxAgeFromProto(ms int64) time.Duration {
	const most = int64(1<<63-1) / int64(time.Millisecond)
	switch {
	case ms > most:
		return time.Duration(most) * time.Millisecond
	case ms < -most:
		return -time.Duration(most) * time.Millisecond
	}
	return time.Duration(ms) * time.Millisecond
}

// TimeFromProto converts a timestamp; nil becomes the zero time.
func TimeFromProto(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

// mapSlice converts each element; an empty input gives nil, so that an
// empty list and an absent one compare equal after a round trip.
func mapSlice[In, Out any](in []In, f func(In) Out) []Out {
	if len(in) == 0 {
		return nil
	}
	out := make([]Out, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// cloneStrings copies a string list; empty gives nil.
func cloneStrings(in []string) []string {
	return mapSlice(in, func(s string) string { return s })
}

// FulfillmentGroupToProto converts a fulfillment group; nil stays nil.
func FulfillmentGroupToProto(g *acp.FulfillmentGroup) *pb.FulfillmentGroup {
	if g == nil {
		return nil
	}
	return &pb.FulfillmentGroup{Id: g.ID, Type: string(g.Type), LocationId: g.LocationID, Instructions: g.Instructions}
}

// FulfillmentGroupFromProto converts a fulfillment group; nil stays nil.
func FulfillmentGroupFromProto(g *pb.FulfillmentGroup) *acp.FulfillmentGroup {
	if g == nil {
		return nil
	}
	return &acp.FulfillmentGroup{ID: g.GetId(), Type: acp.FulfillmentType(g.GetType()), LocationID: g.GetLocationId(), Instructions: g.GetInstructions()}
}

// ifSet returns f(in), or nil when in is nil.
func ifSet[In, Out any](in *In, f func(*In) *Out) *Out {
	if in == nil {
		return nil
	}
	return f(in)
}
