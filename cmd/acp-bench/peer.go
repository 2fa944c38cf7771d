package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/internal/loadgen"
)

// The peer: the checkout example of github.com/sumup/acp, an in-memory ACP
// server in Go speaking 2025-09-29, built at a pinned pseudo-version (the
// commit of 2025-11-15 "feat(examples): webhooks for checkouts").
const (
	peerModule     = "github.com/sumup/acp"
	peerVersion    = "v0.0.0-20251115115717-e3b7f412d7da"
	peerPackage    = peerModule + "/examples/checkout"
	peerAPIVersion = "2025-09-29"
	// peerAddr is where the peer listens: its main hard-codes ":8080",
	// with neither a flag nor a variable to change it.
	peerAddr = ":8080"
)

// peerCreate is the peer's own create, from its README: a latte and a
// mug, and a buyer.
const peerCreate = `{"items":[{"id":"latte","quantity":1},{"id":"mug","quantity":1}],"buyer":{"first_name":"Ava","last_name":"Agent","email":"ava.agent@example.com"}}`

// peerItems are the peer's catalog entries that peerCreate buys, at its
// prices, added to the demo store that is measured against it so that
// the same request buys the same items of both (not stock-controlled,
// like the peer's).
const peerItems = `    - sku: latte
      title: Oat Milk Latte
      unit_price: 650
      fulfillment_types: [pickup]

    - sku: mug
      title: Stoneware Mug
      unit_price: 1500
      fulfillment_types: [shipping, pickup]

`

// peerConfig is a create-alone run of peerCreate at target, as the
// 2025-09-29 API: the same for the peer and for the demo store (which
// gets the token too, as it wants one; the peer ignores the header).
func peerConfig(target, token string, connections int, d time.Duration) loadgen.Config {
	return loadgen.Config{
		Target: target, Token: token, APIVersion: peerAPIVersion, Concurrency: connections, Duration: d,
		Mix: loadgen.Mix{{Flow: loadgen.FlowCreate, Weight: 1}}, CreateRequest: json.RawMessage(peerCreate),
	}
}

// peerResult reads one measurement: its rate and p99 in milliseconds; a
// run that recorded any error, or no request, fails.
func peerResult(name string, r *loadgen.Report) (rps, p99 float64, err error) {
	if err := clean(name, r); err != nil {
		return 0, 0, err
	}
	if r.Total.OK == 0 {
		return 0, 0, fmt.Errorf("%s: no create answered", name)
	}
	return r.Total.Throughput, r.Total.Latency.P99, nil
}

// buildPeer builds the peer's server into dir through a module of its
// own that requires the pinned version (from src instead, a local copy
// of the peer's source, when set). It returns the binary and the command
// it ran, for the document.
func buildPeer(dir, src string) (bin, command string, err error) {
	mod := filepath.Join(dir, "peer-module")
	if err := os.MkdirAll(mod, 0o700); err != nil {
		return "", "", fmt.Errorf("the peer's module: %w", err)
	}
	gomod := fmt.Sprintf("module acpbench/peer\n\ngo 1.25\n\nrequire %s %s\n", peerModule, peerVersion)
	if src != "" {
		abs, err := filepath.Abs(src)
		if err != nil {
			return "", "", fmt.Errorf("-peer-src: %w", err)
		}
		gomod += fmt.Sprintf("\nreplace %s => %s\n", peerModule, abs)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o600); err != nil {
		return "", "", fmt.Errorf("the peer's module: %w", err)
	}
	bin = filepath.Join(dir, "peer-checkout")
	args := []string{"build", "-mod=mod", "-o", bin, peerPackage}
	command = fmt.Sprintf("go %s (in a module requiring %s %s", strings.Join(args[:3], " ")+" BIN "+peerPackage, peerModule, peerVersion)
	if src != "" {
		command += ", replaced by " + src
	}
	command += ")"
	cmd := exec.Command("go", args...)
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", command, fmt.Errorf("%w: %s", err, firstLines(string(out), 3))
	}
	return bin, command, nil
}

// urls matches the URLs in the go command's errors.
var urls = regexp.MustCompile(`https?://[^\s]*[^\s:]`)

// hideURLs replaces the URLs in a go command's error, which name the
// module proxy's host, by what they are.
func hideURLs(s string) string { return urls.ReplaceAllString(s, "(a URL of the Go module proxy)") }

// firstLines is s's first n lines, joined by " / ".
func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[:min(n, len(lines))], " / ")
}

// startPeer runs the peer's server, which must find peerAddr free, and
// waits until it answers.
func (b *bench) startPeer(bin string) (*server, error) {
	ln, err := net.Listen("tcp", peerAddr)
	if err != nil {
		return nil, fmt.Errorf("port %s is busy (%v), and the peer cannot listen anywhere else", peerAddr, err)
	}
	ln.Close()
	cmd := exec.Command(bin)
	cmd.SysProcAttr = diesWithUs()
	// The peer logs every request; its log goes nowhere (os/exec's
	// /dev/null), as a benchmark's would.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}
	s := &server{name: "peer", cmd: cmd, url: "http://127.0.0.1" + peerAddr}
	b.procs = append(b.procs, s)
	s.watch()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(readyPoll) {
		select {
		case err := <-s.exited:
			s.cmd = nil
			return nil, fmt.Errorf("peer: exited before it answered: %v", err)
		default:
		}
		// Any answer (a 404 for a session that does not exist) says it serves.
		if resp, err := http.Get(s.url + "/checkout_sessions/none"); err == nil {
			resp.Body.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			return nil, errors.New("peer: no answer within 30s")
		}
	}
}

// peer measures the peer's creates against the demo store's, on the same
// request (peerCreate as 2025-09-29), both warm, round after round.
func (b *bench) peer() error {
	step("building the peer " + peerPackage + "@" + peerVersion)
	b.printf("### Against a peer: sumup/acp's checkout example (closed loop, %d connections)\n\n", b.connections)
	b.printf("The peer is the checkout example of `%s` (an in-memory ACP server on net/http that keeps sessions in a map, speaks %s and logs every request), built at `%s`. Both servers take the peer's own create (its README's: a latte, a mug and a buyer) as the %s API, the same bytes (the demo store gets its bearer token too), the demo store with the peer's two items at the peer's prices added to its catalog (no stock control on them). Each is warmed for 2 s first; then in each of %s both are measured, in turns (which goes first alternates), by acp load's generator running inside acp-bench.\n\n",
		peerModule, peerAPIVersion, peerVersion, peerAPIVersion, plural(b.rounds, "round"))
	if b.peerSrc != "" {
		b.printf("This run built the peer from a local copy of its source, `%s`, given by `-peer-src`.\n\n", b.peerSrc)
	}
	missing := func(why string) {
		b.printf("**The peer was not measured:** %s\n\n", strings.TrimSuffix(why, "."))
		for _, goal := range []string{goalPeerRate, goalPeerP99} {
			b.meet(target{"peer-missing", goal, "not measured: the peer could not be built or run here", false})
		}
	}
	bin, command, err := buildPeer(b.dir, b.peerSrc)
	if err != nil {
		missing(fmt.Sprintf("`%s` failed: %s", command, hideURLs(err.Error())))
		return nil
	}
	peer, err := b.startPeer(bin)
	if err != nil {
		missing(err.Error())
		return nil
	}
	defer b.stop(peer)
	cfgPath := filepath.Join(b.dir, "peer-store.yaml")
	if err := writePeerStore(cfgPath); err != nil {
		return err
	}
	ours, err := b.startServer("ours-2025", cfgPath, "", false, false, "")
	if err != nil {
		return err
	}
	defer b.stop(ours)
	servers := []*server{peer, ours}
	for _, s := range servers {
		if _, _, err := b.peerRound(s, 2*time.Second); err != nil {
			return err
		}
	}
	var rate, p99 [2]series
	for round := range b.rounds {
		step(fmt.Sprintf("peer, round %d of %d", round+1, b.rounds))
		for i := range servers {
			k := (i + round) % len(servers)
			rps, lat, err := b.peerRound(servers[k], b.round)
			if err != nil {
				return err
			}
			rate[k], p99[k] = append(rate[k], rps), append(p99[k], lat)
		}
	}
	rateRatio, p99Ratio := rate[1].ratios(rate[0]), p99[1].ratios(p99[0])
	b.printf("| Measure | peer | demo store | demo / peer |\n|---|---|---|---|\n")
	b.printf("| creates/s | %s | %s | %s |\n", rate[0].format(0), rate[1].format(0), rateRatio.format(2))
	b.printf("| p99 (ms) | %s | %s | %s |\n\n", p99[0].format(2), p99[1].format(2), p99Ratio.format(2))
	b.meet(target{"peer-rate", goalPeerRate, rateRatio.format(2) + " × the peer's rate", rateRatio.median() >= 1})
	b.meet(target{"peer-p99", goalPeerP99, p99Ratio.format(2) + " × the peer's p99", p99Ratio.median() <= 0.25})
	return nil
}

// peerRound runs one closed-loop measurement of peerCreate on s.
func (b *bench) peerRound(s *server, d time.Duration) (rps, p99 float64, err error) {
	r, err := loadgen.Run(context.Background(), peerConfig(s.url, s.token, b.connections, d))
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", s.name, err)
	}
	return peerResult(s.name, r)
}

// writePeerStore writes the demo store's config with the peer's items
// added to its catalog to path.
func writePeerStore(path string) error {
	src, err := os.ReadFile("acp.yaml")
	if err != nil {
		return fmt.Errorf("the peer's demo store: %w", err)
	}
	cfg, err := withPeerItems(string(src))
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return fmt.Errorf("the peer's demo store: %w", err)
	}
	return nil
}

// withPeerItems adds peerItems at the head of a config's catalog items.
func withPeerItems(cfg string) (string, error) {
	const head = "\ncatalog:\n  items:\n"
	if !strings.Contains(cfg, head) {
		return "", errors.New("acp.yaml: no catalog items to add the peer's to")
	}
	return strings.Replace(cfg, head, head+peerItems, 1), nil
}
