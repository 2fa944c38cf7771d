// Package ucp holds what every part of the Universal Commerce Protocol
// (UCP) binding shares: the release served, the capability names, what a
// request negotiated with its platform (Platform) and the protocol error
// (Error) every UCP transport sends in its own shape.
//
// UCP (release 2026-04-08) is served beside ACP from the same checkout
// engine, store and plugins: core/ucpwire translates its JSON shapes,
// core/ucpapi serves its REST binding, core/ucpprofile discovers and
// negotiates platform profiles and core/httpsig signs and verifies its
// RFC 9421 message signatures.
//
// Layer: base. It may import the standard library only.
package ucp
