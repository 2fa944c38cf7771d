// Package inprocess lets acptest serve a plugin's options in the test's own
// process without a go-plugin type in the API of acpplugin or acptest:
// acpplugin registers how it serves in-process, acptest calls it.
package inprocess

import (
	"context"

	"github.com/hashicorp/go-plugin"
)

// Serve serves opts (an acpplugin.ServeOpts) in this process until ctx
// ends, sends where to reach it on reattach, and closes closed once it has
// stopped. Package acpplugin sets it in its init.
var Serve func(ctx context.Context, opts any, reattach chan<- *plugin.ReattachConfig, closed chan<- struct{})
