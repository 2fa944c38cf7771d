package grpcwire

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// errorDomain names the ErrorInfo details this SDK attaches to failures.
const errorDomain = "acp.plugin"

// toStatus turns a capability method's error into a gRPC status error
// that carries its source, retryability and reason. When the call's own
// context ended (the host's deadline passed, or it gave up), the context's
// code is sent instead, so the host can tell its deadline from a failure.
// A context error of the plugin's own (a timeout it set on its backend
// call) is a failure like any other and keeps its marks. acp.ErrNotOffered
// is sent as UNIMPLEMENTED, what gRPC answers for an RPC not served, so
// the host reads both alike.
func toStatus(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		return status.FromContextError(ctxErr).Err()
	}
	if errors.Is(err, acp.ErrNotOffered) {
		return status.Error(codes.Unimplemented, err.Error())
	}
	e := acp.AsError(err)
	source := e.Source
	if source == "" {
		source = acp.SourcePlugin
	}
	code := codes.Unknown
	if e.Retryable {
		code = codes.Unavailable
	}
	st := status.New(code, statusMessage(err, e))
	withInfo, detailErr := st.WithDetails(&errdetails.ErrorInfo{
		Reason: e.Reason,
		Domain: errorDomain,
		Metadata: map[string]string{
			"source":    string(source),
			"retryable": strconv.FormatBool(e.Retryable),
		},
	})
	if detailErr != nil {
		return st.Err()
	}
	return withInfo.Err()
}

// statusMessage is err's text without the "<source> failure (<reason>): "
// prefix of its *acp.Error, which fromStatus adds back: sent with it, the
// host would read the prefix twice.
func statusMessage(err error, e *acp.Error) string {
	msg := err.Error()
	if e.Err == nil {
		return msg
	}
	return strings.Replace(msg, e.Error(), e.Err.Error(), 1)
}

// fromStatus turns an error returned by a gRPC call back into the error
// the plugin returned: an *acp.Error when the plugin failed, or the gRPC
// status error itself when the call failed in transport (the plugin
// process is gone, the deadline passed) or the plugin does not serve the
// RPC, for the host to inspect with status.Code.
func fromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	for _, d := range st.Details() {
		info, ok := d.(*errdetails.ErrorInfo)
		if !ok || info.GetDomain() != errorDomain {
			continue
		}
		retryable, _ := strconv.ParseBool(info.GetMetadata()["retryable"])
		return &acp.Error{
			Source:    acp.ErrorSource(info.GetMetadata()["source"]),
			Retryable: retryable,
			Reason:    info.GetReason(),
			Err:       errors.New(st.Message()),
		}
	}
	return err
}

// fromCapabilityStatus is fromStatus for the RPC of a capability, where
// UNIMPLEMENTED means the plugin does not offer it: acp.ErrNotOffered.
// The RPCs every plugin serves (PluginService) use fromStatus.
func fromCapabilityStatus(err error) error {
	if status.Code(err) != codes.Unimplemented {
		return fromStatus(err)
	}
	msg := status.Convert(err).Message()
	if strings.Contains(msg, acp.ErrNotOffered.Error()) {
		return notOffered(msg) // what the plugin's method returned
	}
	return fmt.Errorf("%w: %s", acp.ErrNotOffered, msg)
}

// notOffered is acp.ErrNotOffered with the message of a plugin that
// returned it, which says so already.
type notOffered string

func (e notOffered) Error() string      { return string(e) }
func (notOffered) Is(target error) bool { return target == acp.ErrNotOffered }
