// Package apierr is the flat ACP error: the body of every 4xx and 5xx
// response, and what the checkout engine returns when it cannot return a
// session.
//
// Layer: base. It imports nothing of this repository.
package apierr
