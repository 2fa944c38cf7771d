// Package listingtest is an in-memory catalog.listing for tests: it
// keeps a version per change and answers a listing since a version it
// knows with the changes alone, keeping the listing contract as a real
// catalog must.
//
// Layer: leaf helper of internal/ for tests. It may import only the
// standard library and the SDK; no package's non-test code imports it.
package listingtest
