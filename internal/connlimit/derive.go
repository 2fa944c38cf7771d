package connlimit

// Limits are the connection caps of a listener.
type Limits struct {
	// MaxConns caps the connections open at once.
	MaxConns int
	// MaxConnsPerClient caps the connections open at once from one
	// client (see the package comment for what one client is).
	MaxConnsPerClient int
}

// minReserve is the fewest descriptors left for everything but client
// connections: the store's files, plugin pipes, outgoing webhook and
// payment connections and refusals under way.
const minReserve = 64

// ProbeLimits are the fixed caps of the probe listener: enough for an
// orchestrator's probes and a metrics scraper, too few to matter to the
// descriptor budget, which reserves them (see Derive).
var ProbeLimits = Limits{MaxConns: 32, MaxConnsPerClient: 8}

// perClientShare is the share of the total cap one client may hold: an
// eighth.
const perClientShare = 8

// Derive returns the caps for a process allowed descriptors open files:
// max(64, descriptors/4) kept in reserve for everything else, plus
// others for the connections of other capped listeners (the probe
// listener's ProbeLimits.MaxConns when it is on), the rest for client
// connections, and an eighth of those (at least 1) for one client. It
// returns zero Limits (no caps) when descriptors is unknown or unlimited
// (0), and caps of 1 when it is too small to reserve anything.
func Derive(descriptors, others uint64) Limits {
	if descriptors == 0 {
		return Limits{}
	}
	reserve := max(minReserve, descriptors/4) + others
	if descriptors <= reserve {
		return Limits{MaxConns: 1, MaxConnsPerClient: 1}
	}
	conns := min(descriptors-reserve, 1<<30)
	return Limits{MaxConns: int(conns), MaxConnsPerClient: perClient(int(conns))}
}

// perClient is the per-client cap that goes with a total cap: an eighth
// of it, at least 1; 0 (no cap) when the total is 0.
func perClient(total int) int {
	if total == 0 {
		return 0
	}
	return max(1, total/perClientShare)
}

// Resolve applies configured caps (zero: derived) within the derived
// ones. The total is resolved first: a configured total above what the
// descriptor limit allows is lowered to it. A per-client cap left at 0
// is an eighth of the resolved total; a configured one above the total is
// lowered to it. lowered reports whether a configured value was lowered.
func Resolve(configured, derived Limits) (out Limits, lowered bool) {
	out.MaxConns = configured.MaxConns
	switch {
	case out.MaxConns == 0:
		out.MaxConns = derived.MaxConns
	case derived.MaxConns > 0 && out.MaxConns > derived.MaxConns:
		out.MaxConns, lowered = derived.MaxConns, true
	}
	out.MaxConnsPerClient = configured.MaxConnsPerClient
	switch {
	case out.MaxConnsPerClient == 0:
		out.MaxConnsPerClient = perClient(out.MaxConns)
	case out.MaxConns > 0 && out.MaxConnsPerClient > out.MaxConns:
		out.MaxConnsPerClient, lowered = out.MaxConns, true
	}
	return out, lowered
}
