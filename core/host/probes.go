package host

import (
	"fmt"
	"net"
	"net/http"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/httpapi"
)

// listenProbes opens server.probes_listen, when set, once, behind its
// fixed connection caps (connections.go).
func (h *Host) listenProbes() error {
	addr := h.cfg.Server.ProbesListen
	if addr == "" || h.probesLn != nil {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("server.probes_listen: %w", err)
	}
	h.probesLn = h.limitProbeConnections(ln)
	return nil
}

// serveProbes serves /healthz, /readyz (as the API listener does) and
// the metrics on the probe listener Listen opened, if any, and returns
// the server to close at shutdown.
func (h *Host) serveProbes() *http.Server {
	if h.probesLn == nil {
		return nil
	}
	mux := http.NewServeMux()
	probe := func(w http.ResponseWriter, r *http.Request) {
		status, body, _ := httpapi.ProbeAnswer(r.URL.Path, h.ready) // routed at the probe paths only
		writeJSON(w, status, body)
	}
	mux.HandleFunc("GET "+httpapi.HealthzPath, probe)
	mux.HandleFunc("GET "+httpapi.ReadyzPath, probe)
	if h.metrics != nil {
		mux.Handle("GET "+h.cfg.Metrics.Path, h.metrics)
	}
	notFound := apierr.New(http.StatusNotFound, apierr.TypeInvalidRequest, apierr.CodeNotFound,
		"The probe listener serves GET /healthz, /readyz and the metrics only.").JSON()
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusNotFound, notFound) })
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

// writeJSON writes a JSON body with its status.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
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
