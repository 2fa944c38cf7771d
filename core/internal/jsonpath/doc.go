// Package jsonpath locates values of JSON request bodies as RFC 9535
// JSONPaths, for the wire formats' decoding errors: the path of the value
// a type error is at, an object member's path segment, and the name of
// the JSON value a Go kind expects.
//
// Layer: leaf helper of the core (core/internal). It may import only the
// standard library; no core layer above it (enforced by
// internal/importrules).
package jsonpath
