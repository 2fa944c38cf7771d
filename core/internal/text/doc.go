// Package text holds small string helpers shared by the core packages.
//
// Layer: leaf helper of the core (core/internal). It may import only the
// standard library, outside modules and other core/internal packages; no
// core layer above it (enforced by internal/importrules).
package text
