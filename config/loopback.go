package config

// LoopbackOnly reports whether the server listens on a loopback address
// only (127.0.0.0/8, ::1 or localhost): where the local-only demo
// secrets written in acp.yaml are accepted.
func (s *Server) LoopbackOnly() bool {
	host, err := checkListen(s.Listen)
	return err == nil && isLoopback(host)
}
