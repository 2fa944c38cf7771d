// Package grpcwire carries the SDK's capability interfaces over gRPC: the
// go-plugin plugin definition, the server adapters a plugin process runs,
// the client stubs the host calls, and the mapping of failures to gRPC
// statuses and back.
package grpcwire

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// PluginName is the single name under which a plugin process serves
// everything: the plugin service and each capability it implements. One
// dispense gives the host every capability of the process.
const PluginName = "acp"

// Plugin is the go-plugin definition. A plugin process serves Provider; the
// host dispenses a *Remote.
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Provider is served by the plugin process; nil on the host.
	Provider *Provider
}

// GRPCServer registers the provider's services.
func (p *Plugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	p.Provider.register(s)
	return nil
}

// GRPCClient returns the host's stubs for the connection.
func (p *Plugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return NewRemote(conn), nil
}

// ServerOptions are the gRPC server options a plugin process runs with.
func (p *Provider) ServerOptions(opts []grpc.ServerOption) []grpc.ServerOption {
	return append(opts, grpc.ChainUnaryInterceptor(p.recoverPanics))
}
