// Package optional keeps "absent" and "null" apart when decoding JSON, as ACP
// update requests need: an absent key leaves a field unchanged, an explicit
// null clears it.
//
// Layer: leaf helper of the core (core/internal). It may import only the
// standard library, outside modules and other core/internal packages; no
// core layer above it (enforced by internal/importrules).
package optional
