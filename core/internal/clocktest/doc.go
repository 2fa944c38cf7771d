// Package clocktest is a settable clock for tests of expiry, leases, rate
// limits and signatures.
//
// Layer: leaf helper of the core (core/internal). It may import only the
// standard library, outside modules and other core/internal packages; no
// core layer above it (enforced by internal/importrules).
package clocktest
