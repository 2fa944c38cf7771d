package acp

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
// warnings (MessageWarning.code). Providers should use these so that agents
// can act on them.
const (
	CodeMissing              = "missing"
	CodeInvalid              = "invalid"
	CodeOutOfStock           = "out_of_stock"
	CodePaymentDeclined      = "payment_declined"
	CodeRequires3DS          = "requires_3ds"
	CodeLowStock             = "low_stock"
	CodeQuantityExceeded     = "quantity_exceeded"
	CodeRegionRestricted     = "region_restricted"
	CodeUnsupported          = "unsupported"
	CodeNotFound             = "not_found"
	CodeExpired              = "expired"
	CodeInterventionRequired = "intervention_required"
	// CodePriceChange is a warning code.
	CodePriceChange = "price_change"
)

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
