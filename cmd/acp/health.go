package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

const healthHelp = `Probes a running server: GETs its /healthz (or, with --ready, its /readyz)
and exits 0 on a 200 answer, 1 otherwise. It is the container image's health
check, for images without a shell or curl.`

func healthCommand(args []string, env cli) int {
	fs := newFlags("health", "[--url URL] [--ready] [--timeout D] [--insecure]", healthHelp, env)
	base := fs.String("url", "http://127.0.0.1:8080", "the server's base `URL`")
	ready := fs.Bool("ready", false, "probe /readyz (every capability can serve) instead of /healthz (the process is up)")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	insecure := fs.Bool("insecure", false, "accept any TLS certificate (a probe of 127.0.0.1 against a certificate for the public name)")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	u, err := url.Parse(*base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(env.stderr, "acp health: --url must be an http:// or https:// URL, got %q\n", *base)
		return 2
	}
	path := "/healthz"
	if *ready {
		path = "/readyz"
	}
	u = u.JoinPath(path)
	client := &http.Client{Timeout: *timeout}
	if *insecure {
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // asked for with --insecure
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		fmt.Fprintf(env.stderr, "acp health: %v\n", err)
		return 2
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(env.stderr, "acp health: %s: %v\n", u, err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(env.stderr, "acp health: %s: %s %s\n", u, resp.Status, body)
		return 1
	}
	fmt.Fprintf(env.stdout, "%s: %s\n", u, resp.Status)
	return 0
}
