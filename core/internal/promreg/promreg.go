// Package promreg registers Prometheus collectors so that a second
// registration of the same metrics on one registry (a second engine of
// the same kind in one process, or in one test) shares the first
// collectors instead of failing.
//
// Layer: leaf helper of the core (core/internal). It may import only the
// standard library, outside modules and other core/internal packages; no
// core layer above it (enforced by internal/importrules).
package promreg

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers c with reg, or returns the identical collector
// already registered there; with a nil reg it returns c unregistered.
// Any other registration conflict panics, as prometheus.MustRegister
// does.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic(fmt.Errorf("register metrics: %w", err))
}
