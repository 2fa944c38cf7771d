// Package importrules holds the test that keeps the repository's layers
// apart: it parses the import clauses of every Go file of every module in
// the repository (the host module, the SDK module and the examples) and
// checks them against the rules in rules_test.go. It has no code of its
// own and imports nothing.
//
// Layer: tool outside the request path (top-level internal/).
package importrules
