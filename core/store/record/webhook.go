package record

import (
	"time"

	"github.com/acp-sidecar/acp/core/model"
)

// webhookEvent is a stored model.WebhookEvent; its fields match the
// model's one for one.
type webhookEvent struct {
	ID            string    `json:"id"`
	Seq           uint64    `json:"seq"`
	Agent         string    `json:"agent"`
	Target        string    `json:"target"`
	Protocol      string    `json:"protocol,omitempty"`
	URL           string    `json:"url,omitempty"`
	OrderID       string    `json:"order_id"`
	Type          string    `json:"type"`
	APIVersion    string    `json:"api_version"`
	Payload       []byte    `json:"payload"`
	State         string    `json:"state"`
	CreatedAt     time.Time `json:"created_at"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LastError     string    `json:"last_error,omitempty"`
	LastStatus    int       `json:"last_status,omitempty"`
}

func fromWebhookEvent(e *model.WebhookEvent) *webhookEvent { return (*webhookEvent)(e) }

func (r *webhookEvent) model() *model.WebhookEvent { return (*model.WebhookEvent)(r) }
