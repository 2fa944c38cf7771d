package config

// validateConnections checks the connection limits and the probe
// listener of the server section; listen is the API listen address after
// --listen.
func (s *Server) validateConnections(listen string, ps *problems) {
	if s.HeaderTimeout > s.ReadTimeout && s.ReadTimeout > 0 {
		ps.add("server.header_timeout", "must not be longer than server.read_timeout (%s), got %s", s.ReadTimeout, s.HeaderTimeout)
	}
	if s.MaxConnections < 0 {
		ps.add("server.max_connections", "must be a positive number, or 0 to derive it from the open-file limit; got %d", s.MaxConnections)
	}
	switch {
	case s.MaxConnectionsPerClient < 0:
		ps.add("server.max_connections_per_client", "must be a positive number, or 0 to derive it from the open-file limit; got %d", s.MaxConnectionsPerClient)
	case s.MaxConnections > 0 && s.MaxConnectionsPerClient > s.MaxConnections:
		ps.add("server.max_connections_per_client", "must not be above server.max_connections (%d), got %d", s.MaxConnections, s.MaxConnectionsPerClient)
	}
	if s.ProbesListen == "" {
		return
	}
	if _, err := checkListen(s.ProbesListen); err != nil {
		ps.add("server.probes_listen", "invalid address %q: %v", s.ProbesListen, err)
	} else if s.ProbesListen == listen {
		ps.add("server.probes_listen", "must differ from the API listen address %q", listen)
	}
}
