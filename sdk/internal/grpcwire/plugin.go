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
// Calls are handled on streamWorkers long-lived goroutines, and on a new
// goroutine each, as by default, while those are all busy: a goroutine
// started for a call grows its stack again on every call (5% of the CPU
// time of a catalog call's round trip in BenchmarkResolveItems of
// acp-plugin-catalog-file; under 2% with the workers).
func (p *Provider) ServerOptions(opts []grpc.ServerOption) []grpc.ServerOption {
	return append(opts, grpc.ChainUnaryInterceptor(p.recoverPanics), grpc.NumStreamWorkers(streamWorkers))
}

// streamWorkers is the number of goroutines a plugin keeps for calls: the
// calls a host has in flight to one plugin under load (a few per HTTP
// request being served), at a few kilobytes of stack each when idle.
const streamWorkers = 32
