// Package builtin provides the catalog, tax, shipping and fulfillment
// capabilities a seller writes in acp.yaml, so the demo store (and any
// small seller) runs with no other service. They implement the same SDK
// interfaces that out-of-process plugins implement, and take SDK types or
// their own (TaxTable, ShippingOption): the host converts acp.yaml's.
//
// Layer: capability providers. It may import the SDK only; never config,
// another core package or cmd.
package builtin
