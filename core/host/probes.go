package host

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"

	"github.com/acp-sidecar/acp/core/apierr"
)

// listenProbes opens server.probes_listen, when set, once.
func (h *Host) listenProbes() error {
	addr := h.cfg.Server.ProbesListen
	if addr == "" || h.probesLn != nil {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("server.probes_listen: %w", err)
	}
	h.probesLn = ln
	return nil
}

// serveProbes serves /healthz, /readyz and the metrics on the probe
// listener Listen opened, if any, and returns the server to close at
// shutdown. The probe listener has no connection caps of its own: it
// belongs on an address only the orchestrator reaches.
func (h *Host) serveProbes() *http.Server {
	if h.probesLn == nil {
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		ready, detail := h.ready()
		status := http.StatusOK
		if !ready {
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, detail)
	})
	if h.metrics != nil {
		mux.Handle("GET "+h.cfg.Metrics.Path, h.metrics)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, apierr.New(http.StatusNotFound, apierr.TypeInvalidRequest, apierr.CodeNotFound,
			"The probe listener serves GET /healthz, /readyz and the metrics only."))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: h.cfg.Server.HeaderTimeout, IdleTimeout: h.cfg.Server.IdleTimeout}
	go func() { _ = srv.Serve(h.probesLn) }()
	h.logger.Info("serving probes", "listen", h.probesLn.Addr().String())
	return srv
}

// ProbesAddr returns the address of the probe listener, or "" when
// server.probes_listen is not set or Listen has not run.
func (h *Host) ProbesAddr() string {
	if h.probesLn == nil {
		return ""
	}
	return h.probesLn.Addr().String()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// stopProbes closes the probe server, or only its listener when it was
// never served.
func (h *Host) stopProbes(srv *http.Server) {
	if srv != nil {
		_ = srv.Close()
	} else if h.probesLn != nil {
		_ = h.probesLn.Close()
	}
}
