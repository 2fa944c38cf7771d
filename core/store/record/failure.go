package record

import (
	"encoding/json"
	"time"

	"github.com/acp-sidecar/acp/core/model"
)

// failedOrder is a stored model.FailedOrder; its fields match the model's
// one for one.
type failedOrder struct {
	SessionID string              `json:"session_id"`
	Attempt   int                 `json:"attempt"`
	Agent     string              `json:"agent"`
	OrderID   string              `json:"order_id,omitempty"`
	HandlerID string              `json:"handler_id"`
	PaymentID string              `json:"payment_id,omitempty"`
	Amount    int64               `json:"amount"`
	Currency  string              `json:"currency"`
	Reason    model.FailureReason `json:"reason"`
	Money     model.PaymentState  `json:"money"`
	Detail    string              `json:"detail,omitempty"`
	CreatedAt time.Time           `json:"created_at"`
}

// EncodeFailedOrder returns the failure's record in CheckoutFormat.
func EncodeFailedOrder(f *model.FailedOrder) ([]byte, error) {
	return json.Marshal((*failedOrder)(f))
}

// DecodeFailedOrder reads a failed-order record written in format.
func DecodeFailedOrder(format int, data []byte) (*model.FailedOrder, error) {
	var r failedOrder
	if err := decode(format, data, &r); err != nil {
		return nil, err
	}
	return (*model.FailedOrder)(&r), nil
}
