package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is one process under test.
type server struct {
	name string
	cmd  *exec.Cmd
	url  string
	data string
	// token is the agent token the server wants; empty for the baseline.
	token string
	// exited receives the process's exit.
	exited <-chan error
	// ready is how long the server took from its exec until its /readyz
	// answered 200 (acp serve only).
	ready time.Duration
}

// readyPoll is how often startServer asks a starting server whether it is
// ready.
const readyPoll = 10 * time.Millisecond

// watch starts waiting for the process to exit.
func (s *server) watch() {
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	s.exited = exited
}

// startBaseline runs `acp load baseline` and reads its address.
func (b *bench) startBaseline() (*server, error) {
	cmd := exec.Command(filepath.Join(b.bin, "acp"), "load", "baseline", "--listen", "127.0.0.1:0")
	cmd.SysProcAttr = diesWithUs()
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{name: "baseline", cmd: cmd}
	b.procs = append(b.procs, s)
	s.watch()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	s.url = strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return s, nil
}

// startServer runs `acp serve` on a copy of the config at path with the
// rate limit lifted, its store in a fresh directory (or, when dsn is set,
// in that PostgreSQL database, migrated first), its stock figures raised
// (or, withoutStock, removed: see stockConfig), and, for the plugins
// store, the plugins this run built and orders forwarded to intake.
func (b *bench) startServer(name, path, intake string, profiling, withoutStock bool, dsn string) (*server, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(b.dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cfg := string(src)
	if intake != "" {
		cfg = strings.ReplaceAll(cfg, "../../bin/", b.bin+"/")
		cfg = strings.ReplaceAll(cfg, "http://127.0.0.1:8090", intake)
		products, err := os.ReadFile(filepath.Join(filepath.Dir(path), "products.csv"))
		if err != nil {
			return nil, err
		}
		if !withoutStock {
			if products, err = raiseCSVStock(products); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "products.csv"), products, 0o600); err != nil {
			return nil, err
		}
	}
	cfg = stockConfig(cfg, withoutStock)
	data := filepath.Join(dir, "data")
	cfg += "\nlimits:\n  rate_limit:\n    requests_per_second: 0\nlog:\n  level: warn\n"
	if dsn != "" {
		if !strings.Contains(cfg, "\nstore:\n  dir: ./data\n") {
			return nil, fmt.Errorf("%s: no store section to replace", path)
		}
		cfg = strings.Replace(cfg, "\nstore:\n  dir: ./data\n", "\n"+postgresStore(), 1)
	}
	cfg = strings.Replace(cfg, "dir: ./data", "dir: "+data, 1)
	if profiling {
		cfg += "profiling:\n  listen: " + profilingAddr + "\n"
	}
	config := filepath.Join(dir, "acp.yaml")
	if err := os.WriteFile(config, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	env := []string{"ACP_ORDER_INTAKE_SECRET=benchmark-intake-secret-0123456789abcdef", "PATH=" + os.Getenv("PATH")}
	if dsn != "" {
		if err := b.migrate(config, dsn); err != nil {
			return nil, err
		}
		env = append(env, benchDSNEnv+"="+dsn)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(b.bin, "acp"), "serve", "--config", config, "--listen", addr)
	cmd.SysProcAttr = diesWithUs()
	cmd.Env = env
	cmd.Stderr = os.Stderr
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{name: name, cmd: cmd, url: "http://" + addr, data: data, token: demoToken}
	b.procs = append(b.procs, s)
	s.watch()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(readyPoll) {
		select {
		case err := <-s.exited:
			s.cmd = nil
			return nil, fmt.Errorf("%s: acp serve exited before it was ready: %v", name, err)
		default:
		}
		if resp, err := http.Get(s.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.ready = time.Since(began)
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s: not ready within 60s", name)
		}
	}
}

// stop stops s gracefully, or kills it after 20 s, and waits for it.
func (b *bench) stop(s *server) error {
	if s.cmd == nil {
		return nil
	}
	p := s.cmd.Process
	s.cmd = nil
	if err := p.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-s.exited:
		return err
	case <-time.After(20 * time.Second):
		_ = p.Kill()
		return fmt.Errorf("%s: did not stop within 20 s; killed", s.name)
	}
}

func (b *bench) stopAll() {
	for _, s := range b.procs {
		_ = b.stop(s)
	}
}

// diesWithUs makes a child process receive SIGTERM when this process
// dies, however it dies (Linux), so that no server outlives a killed run.
func diesWithUs() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

// stockFigure matches an item's stock figure above zero in acp.yaml;
// stockLine matches any stock figure's whole line.
var (
	stockFigure = regexp.MustCompile(`(?m)^(\s+stock:) [1-9][0-9]*`)
	stockLine   = regexp.MustCompile(`(?m)^\s+stock: [0-9]+.*\n`)
)

// stockConfig rewrites a config's stock figures. Normally stock control
// stays on (every complete reserves and sells) but no item may sell out
// during a run: every figure above zero is raised. withoutStock removes
// every figure instead, so that no item is stock-controlled and nothing
// is reserved: the same store without the cost of reservations.
func stockConfig(cfg string, withoutStock bool) string {
	if withoutStock {
		return stockLine.ReplaceAllString(cfg, "")
	}
	return stockFigure.ReplaceAllString(cfg, "${1} 1000000000")
}

// raiseCSVStock is stockConfig for the plugins store's catalog file: every
// stock figure above zero is raised, so that no item sells out during a
// run while acp-plugin-catalog-file still reserves and sells. Comment
// lines are kept as they are.
func raiseCSVStock(data []byte) ([]byte, error) {
	var out bytes.Buffer
	column := -1
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			out.WriteString(line)
			continue
		}
		rec, err := csv.NewReader(strings.NewReader(line)).Read()
		if err != nil {
			return nil, fmt.Errorf("read the catalog file: %w", err)
		}
		if column < 0 {
			column = slices.Index(rec, "stock")
			if column < 0 {
				return nil, errors.New("the catalog file has no stock column")
			}
		} else if column < len(rec) {
			if n, err := strconv.ParseInt(rec[column], 10, 64); err == nil && n > 0 {
				rec[column] = "1000000000"
			}
		}
		w := csv.NewWriter(&out)
		if err := w.Write(rec); err != nil {
			return nil, err
		}
		w.Flush()
	}
	return out.Bytes(), nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// memory reads a process's resident set, its peak and its own
// (anonymous) part, in bytes: the rest of the resident set is pages of
// memory-mapped files, Badger's, which the kernel reclaims like file cache.
func memory(pid int) (rss, peak, anon int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, 0, fmt.Errorf("read memory of %d (Linux only): %w", pid, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb * 1024
		case "VmHWM:":
			peak = kb * 1024
		case "RssAnon:":
			anon = kb * 1024
		}
	}
	if rss == 0 {
		return 0, 0, 0, errors.New("no VmRSS in /proc status")
	}
	return rss, peak, anon, nil
}

// diskUsage is the space dir's files take on disk (allocated blocks, not
// apparent sizes: Badger's files are sparse).
func diskUsage(dir string) (int64, error) {
	var total int64
	err := filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && !info.IsDir() {
			total += st.Blocks * 512
		}
		return nil
	})
	return total, err
}

// mappedFiles sums a process's resident pages of memory-mapped files by
// the kind of file, in bytes: Badger's value log (".vlog"), its tables
// (".sst"), its memtables' write-ahead logs (".mem"), and everything else
// ("other": the binary, shared libraries).
func mappedFiles(pid int) (map[string]int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return nil, fmt.Errorf("read the mappings of %d (Linux only): %w", pid, err)
	}
	return mappedKinds(string(data)), nil
}

// mappedKinds sums the resident sizes of an smaps listing's file
// mappings by kind (see mappedFiles).
func mappedKinds(smaps string) map[string]int64 {
	sums := map[string]int64{}
	kind := ""
	for line := range strings.SplitSeq(smaps, "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			// A mapping's header: address range, perms, offset, device,
			// inode and, for a file, its path.
			kind = ""
			if len(fields) >= 6 && fields[4] != "0" {
				kind = "other"
				for _, ext := range []string{".vlog", ".sst", ".mem"} {
					if strings.HasSuffix(fields[5], ext) {
						kind = ext
					}
				}
			}
		case kind != "" && len(fields) >= 2 && fields[0] == "Rss:":
			kb, _ := strconv.ParseInt(fields[1], 10, 64)
			sums[kind] += kb * 1024
		}
	}
	return sums
}
