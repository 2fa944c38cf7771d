package connlimit

// Limits are the connection caps of a listener.
type Limits struct {
	// MaxConns caps the connections open at once.
	MaxConns int
	// MaxConnsPerClient caps the connections open at once from one
	// client address.
	MaxConnsPerClient int
}

// minReserve is the fewest descriptors left for everything but client
// connections: the store's files, plugin pipes, outgoing webhook and
// payment connections, the probe listener and refusals under way.
const minReserve = 64

// Derive returns the caps for a process allowed descriptors open files:
// a quarter of them (at least 64) kept in reserve for everything else,
// the rest for client connections, and an eighth of those (at least 1) for
// one client address. It returns zero Limits (no caps) when descriptors
// is unknown (0), and caps of 1 when it is too small to reserve anything.
func Derive(descriptors uint64) Limits {
	if descriptors == 0 {
		return Limits{}
	}
	reserve := max(minReserve, descriptors/4)
	if descriptors <= reserve {
		return Limits{MaxConns: 1, MaxConnsPerClient: 1}
	}
	conns := descriptors - reserve
	if conns > 1<<30 {
		conns = 1 << 30
	}
	return Limits{MaxConns: int(conns), MaxConnsPerClient: int(max(1, conns/8))}
}

// Resolve applies configured caps (zero: derived) within the derived
// ones: a configured cap above what the descriptor limit allows is
// lowered to it, and reported in lowered.
func Resolve(configured, derived Limits) (out Limits, lowered bool) {
	out = configured
	if out.MaxConns == 0 {
		out.MaxConns = derived.MaxConns
	} else if derived.MaxConns > 0 && out.MaxConns > derived.MaxConns {
		out.MaxConns, lowered = derived.MaxConns, true
	}
	if out.MaxConnsPerClient == 0 {
		out.MaxConnsPerClient = derived.MaxConnsPerClient
	}
	if out.MaxConns > 0 && out.MaxConnsPerClient > out.MaxConns {
		out.MaxConnsPerClient, lowered = out.MaxConns, true
	}
	return out, lowered
}
