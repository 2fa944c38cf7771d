package record

import (
	"encoding/json"
	"time"

	"github.com/acp-sidecar/acp/core/model"
)

// stockLevel is a stored model.StockLevel; its fields match the model's
// one for one.
type stockLevel struct {
	SKU        string    `json:"sku"`
	OnHand     int64     `json:"on_hand"`
	Reserved   int64     `json:"reserved"`
	Sold       int64     `json:"sold"`
	FileFigure *int64    `json:"file_figure,omitempty"`
	SetAt      time.Time `json:"set_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// reservation is a stored model.Reservation.
type reservation struct {
	SessionID string         `json:"session_id"`
	Attempt   int            `json:"attempt"`
	Lines     []reservedLine `json:"lines"`
	CreatedAt time.Time      `json:"created_at"`
	ExpiresAt time.Time      `json:"expires_at"`
	// Since format 3.
	Provider string `json:"provider,omitempty"`
	State    string `json:"state,omitempty"`
	Owner    string `json:"owner,omitempty"`
}

type reservedLine struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// EncodeStockLevel returns the level's record in CheckoutFormat.
func EncodeStockLevel(l *model.StockLevel) ([]byte, error) {
	return json.Marshal((*stockLevel)(l))
}

// DecodeStockLevel reads a stock level record written in format.
func DecodeStockLevel(format int, data []byte) (*model.StockLevel, error) {
	var r stockLevel
	if err := decode(format, data, &r); err != nil {
		return nil, err
	}
	return (*model.StockLevel)(&r), nil
}

// EncodeReservation returns the reservation's record in CheckoutFormat.
func EncodeReservation(r *model.Reservation) ([]byte, error) {
	return json.Marshal(reservation{
		SessionID: r.SessionID, Attempt: r.Attempt, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
		Lines:    mapSlice(r.Lines, func(l model.ReservedLine) reservedLine { return reservedLine(l) }),
		Provider: r.Provider, State: string(r.State), Owner: r.Owner,
	})
}

// DecodeReservation reads a reservation record written in format.
func DecodeReservation(format int, data []byte) (*model.Reservation, error) {
	var r reservation
	if err := decode(format, data, &r); err != nil {
		return nil, err
	}
	return &model.Reservation{
		SessionID: r.SessionID, Attempt: r.Attempt, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
		Lines:    mapSlice(r.Lines, func(l reservedLine) model.ReservedLine { return model.ReservedLine(l) }),
		Provider: r.Provider, State: model.HoldState(r.State), Owner: r.Owner,
	}, nil
}
