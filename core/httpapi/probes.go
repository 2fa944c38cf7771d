package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/acp-sidecar/acp/core/apierr"
)

// Paths of the health and readiness probes.
const (
	// HealthzPath answers 200 while the process serves.
	HealthzPath = "/healthz"
	// ReadyzPath answers 200 when every capability can serve, else 503.
	ReadyzPath = "/readyz"
)

// ProbeAnswer is the answer to the probe at path (HealthzPath or
// ReadyzPath), the one implementation behind the API listener's probes
// and the probe listener's: its status and JSON body. readiness nil means
// always ready. ok is false for any other path.
func ProbeAnswer(path string, readiness func() (ready bool, detail any)) (status int, body []byte, ok bool) {
	var v any
	status = http.StatusOK
	switch path {
	case HealthzPath:
		v = map[string]string{"status": "ok"}
	case ReadyzPath:
		if readiness == nil {
			v = map[string]string{"status": "ready"}
			break
		}
		ready, detail := readiness()
		if !ready {
			status = http.StatusServiceUnavailable
		}
		v = detail
	default:
		return 0, nil, false
	}
	body, err := json.Marshal(v)
	if err != nil {
		return http.StatusInternalServerError, apierr.Internal().JSON(), true
	}
	return status, body, true
}
