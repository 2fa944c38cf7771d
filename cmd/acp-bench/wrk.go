package main

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/acp-sidecar/acp/internal/loadgen"
)

// createScript is the wrk script that sends acp load's creates.
//
//go:embed create.lua
var createScript string

var createTemplate = template.Must(template.New("create.lua").Parse(createScript))

// wrkScript writes the create script for a server at target with token
// into dir and returns its path.
func wrkScript(dir, name, target, token string) (string, error) {
	cfg, err := loadgen.Config{Target: target, Token: token, Requests: 1}.WithDefaults()
	if err != nil {
		return "", err
	}
	body, err := cfg.CreateBody()
	if err != nil {
		return "", err
	}
	u, err := url.Parse(cfg.Target)
	if err != nil {
		return "", err
	}
	fields := struct{ Path, Body, APIVersion, Token string }{u.EscapedPath() + "/checkout_sessions", string(body), cfg.APIVersion, token}
	for _, v := range []string{fields.Path, fields.Body, fields.Token} {
		if strings.Contains(v, "]==]") {
			return "", fmt.Errorf("wrk script: %q cannot be quoted in Lua", v)
		}
	}
	var out bytes.Buffer
	if err := createTemplate.Execute(&out, fields); err != nil {
		return "", err
	}
	file := filepath.Join(dir, "wrk-create-"+name+".lua")
	return file, os.WriteFile(file, out.Bytes(), 0o600)
}

// wrkVersion returns wrk's version line, or "" when wrk is not installed.
func wrkVersion() string {
	path, err := exec.LookPath("wrk")
	if err != nil {
		return ""
	}
	out, _ := exec.Command(path, "-v").CombinedOutput() // wrk -v prints its usage too
	line, _, _ := strings.Cut(string(out), "\n")
	if !strings.HasPrefix(line, "wrk ") {
		return ""
	}
	version, _, _ := strings.Cut(line, " [")
	return version
}

// wrkResult is what acp-bench reads of a wrk run.
type wrkResult struct {
	requests int64
	seconds  float64
	rps      float64
	// p99 is in milliseconds.
	p99 float64
	// non2xx and socketErrors count failed requests.
	non2xx, socketErrors int64
}

// runWrk runs wrk with one thread and the given connections for d with
// the script, a fresh key prefix each run.
func runWrk(script, target string, connections int, d time.Duration, prefix string) (wrkResult, error) {
	args := []string{"-t1", "-c" + strconv.Itoa(connections), "-d" + strconv.Itoa(int(d.Seconds())) + "s", "--latency", "--timeout", "10s", "-s", script, target, "--", prefix}
	cmd := exec.Command("wrk", args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	r, err := parseWrk(out)
	if err != nil {
		return r, fmt.Errorf("wrk %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return r, nil
}

// parseWrk reads wrk's report (with --latency).
func parseWrk(out []byte) (wrkResult, error) {
	var r wrkResult
	var haveCount, haveRate, haveP99 bool
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			n, err1 := strconv.ParseInt(f[0], 10, 64)
			d, err2 := time.ParseDuration(strings.TrimSuffix(f[3], ","))
			if err1 != nil || err2 != nil {
				return r, fmt.Errorf("unreadable line %q", sc.Text())
			}
			r.requests, r.seconds, haveCount = n, d.Seconds(), true
		case len(f) == 2 && f[0] == "Requests/sec:":
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return r, fmt.Errorf("unreadable line %q", sc.Text())
			}
			r.rps, haveRate = v, true
		case len(f) == 2 && f[0] == "99%":
			d, err := parseWrkDuration(f[1])
			if err != nil {
				return r, err
			}
			r.p99, haveP99 = d, true
		case len(f) == 5 && strings.Join(f[:4], " ") == "Non-2xx or 3xx responses:":
			n, err := strconv.ParseInt(f[4], 10, 64)
			if err != nil {
				return r, fmt.Errorf("unreadable line %q", sc.Text())
			}
			r.non2xx = n
		case len(f) > 2 && f[0] == "Socket" && f[1] == "errors:":
			// Socket errors: connect 0, read 0, write 0, timeout 0
			for i := 2; i+1 < len(f); i += 2 {
				n, err := strconv.ParseInt(strings.TrimSuffix(f[i+1], ","), 10, 64)
				if err != nil {
					return r, fmt.Errorf("unreadable line %q", sc.Text())
				}
				r.socketErrors += n
			}
		}
	}
	if !haveCount || !haveRate || !haveP99 {
		return r, errors.New("no request count, rate or 99th percentile in wrk's report")
	}
	return r, nil
}

// parseWrkDuration reads wrk's "812.00us", "1.23ms", "2.00s" or "1.00m"
// as milliseconds.
func parseWrkDuration(s string) (float64, error) {
	units := []struct {
		suffix string
		ms     float64
	}{{"us", 1e-3}, {"ms", 1}, {"s", 1000}, {"m", 60000}}
	for _, u := range units {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				break
			}
			return n * u.ms, nil
		}
	}
	return 0, fmt.Errorf("unreadable wrk duration %q", s)
}
