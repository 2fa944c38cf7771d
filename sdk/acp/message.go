package acp

import "slices"

// MessageType says whether a message informs, warns or blocks payment.
type MessageType string

// Message types, as ACP defines them.
const (
	MessageInfo    MessageType = "info"
	MessageWarning MessageType = "warning"
	MessageError   MessageType = "error"
)

// Resolution says who can resolve a message.
type Resolution string

// Resolutions, as ACP defines them.
const (
	// ResolutionRecoverable means the agent can fix the problem through the API.
	ResolutionRecoverable Resolution = "recoverable"
	// ResolutionBuyerInput means the buyer must provide information.
	ResolutionBuyerInput Resolution = "requires_buyer_input"
	// ResolutionBuyerReview means the buyer must review and authorize.
	ResolutionBuyerReview Resolution = "requires_buyer_review"
)

// Message codes that ACP defines for error messages (MessageError.code) and
// warnings (MessageWarning.code), as of ACP 2026-04-17. Providers should
// use these so that agents can act on them; ErrorCodes and WarningCodes
// say which are which (low_stock is both).
const (
	CodeMissing                 = "missing"
	CodeInvalid                 = "invalid"
	CodeOutOfStock              = "out_of_stock"
	CodePaymentDeclined         = "payment_declined"
	CodeRequiresSignIn          = "requires_sign_in"
	CodeRequires3DS             = "requires_3ds"
	CodeLowStock                = "low_stock"
	CodeQuantityExceeded        = "quantity_exceeded"
	CodeCouponInvalid           = "coupon_invalid"
	CodeCouponExpired           = "coupon_expired"
	CodeMinimumNotMet           = "minimum_not_met"
	CodeMaximumExceeded         = "maximum_exceeded"
	CodeRegionRestricted        = "region_restricted"
	CodeAgeVerificationRequired = "age_verification_required"
	CodeApprovalRequired        = "approval_required"
	CodeUnsupported             = "unsupported"
	CodeNotFound                = "not_found"
	CodeConflict                = "conflict"
	CodeRateLimited             = "rate_limited"
	CodeExpired                 = "expired"
	CodeInterventionRequired    = "intervention_required"

	CodeHighDemand                        = "high_demand"
	CodeShippingDelay                     = "shipping_delay"
	CodePriceChange                       = "price_change"
	CodeExpiringPromotion                 = "expiring_promotion"
	CodeLimitedAvailability               = "limited_availability"
	CodeDiscountCodeExpired               = "discount_code_expired"
	CodeDiscountCodeInvalid               = "discount_code_invalid"
	CodeDiscountCodeAlreadyApplied        = "discount_code_already_applied"
	CodeDiscountCodeCombinationDisallowed = "discount_code_combination_disallowed"
	CodeDiscountCodeMinimumNotMet         = "discount_code_minimum_not_met"
	CodeDiscountCodeUserNotLoggedIn       = "discount_code_user_not_logged_in"
	CodeDiscountCodeUserIneligible        = "discount_code_user_ineligible"
	CodeDiscountCodeUsageLimitReached     = "discount_code_usage_limit_reached"
)

// ErrorCodes are the codes an error message may carry (ACP's
// MessageError.code).
var ErrorCodes = []string{
	CodeMissing, CodeInvalid, CodeOutOfStock, CodePaymentDeclined, CodeRequiresSignIn, CodeRequires3DS,
	CodeLowStock, CodeQuantityExceeded, CodeCouponInvalid, CodeCouponExpired, CodeMinimumNotMet,
	CodeMaximumExceeded, CodeRegionRestricted, CodeAgeVerificationRequired, CodeApprovalRequired,
	CodeUnsupported, CodeNotFound, CodeConflict, CodeRateLimited, CodeExpired, CodeInterventionRequired,
}

// WarningCodes are the codes a warning may carry (ACP's
// MessageWarning.code).
var WarningCodes = []string{
	CodeLowStock, CodeHighDemand, CodeShippingDelay, CodePriceChange, CodeExpiringPromotion,
	CodeLimitedAvailability, CodeDiscountCodeExpired, CodeDiscountCodeInvalid,
	CodeDiscountCodeAlreadyApplied, CodeDiscountCodeCombinationDisallowed, CodeDiscountCodeMinimumNotMet,
	CodeDiscountCodeUserNotLoggedIn, CodeDiscountCodeUserIneligible, CodeDiscountCodeUsageLimitReached,
}

// Resolutions lists every resolution in a stable order.
var Resolutions = []Resolution{ResolutionRecoverable, ResolutionBuyerInput, ResolutionBuyerReview}

// Valid reports whether r is one of ACP's resolutions.
func (r Resolution) Valid() bool {
	return slices.Contains(Resolutions, r)
}

// Message is a business outcome attached to a checkout session: an unknown
// item, an unshippable address, a declined payment. It travels inside a
// successful response, never as a call failure.
type Message struct {
	// Type is info, warning or error. Any error message keeps the session
	// from being ready for payment.
	Type MessageType `json:"type"`
	// Code is one of the ACP codes above; required for warnings and errors.
	Code string `json:"code,omitempty"`
	// Param is an RFC 9535 JSONPath into the checkout session that the
	// message is about, e.g. "$.line_items[0].item.id".
	Param string `json:"param,omitempty"`
	// Content is plain text shown to the buyer.
	Content string `json:"content"`
	// Resolution says who can resolve the message.
	Resolution Resolution `json:"resolution,omitempty"`
}

// Messages is a list of messages with helpers to add to it.
type Messages []Message

// AddError appends an error message.
func (m *Messages) AddError(code, param, content string, resolution Resolution) {
	*m = append(*m, Message{Type: MessageError, Code: code, Param: param, Content: content, Resolution: resolution})
}

// AddWarning appends a warning message.
func (m *Messages) AddWarning(code, param, content string) {
	*m = append(*m, Message{Type: MessageWarning, Code: code, Param: param, Content: content})
}

// HasErrors reports whether any message is an error.
func (m Messages) HasErrors() bool {
	for _, msg := range m {
		if msg.Type == MessageError {
			return true
		}
	}
	return false
}
