// Package payment defines payment handlers: what the checkout engine
// advertises in capabilities.payment.handlers and calls to charge a
// session's total on complete.
//
// Layer: base (the payment handler interface). It may import the SDK's acp
// types and core/ucp (the UCP release it describes handlers for) only; its
// subpackages implement it.
package payment
