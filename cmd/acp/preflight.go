package main

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/payment/stripe"
	"github.com/acp-sidecar/acp/core/signature"
)

// preflight is the live list: what a config needs from the machine it
// runs on, checked without starting the server. `acp check --live` runs
// it, and `acp serve` runs it before it listens, so that both report
// every problem of a start in one run.
type preflight struct {
	cfg    *config.Config
	getenv func(string) string
	logger *slog.Logger
	// serving is true for `acp serve`: a store another process holds is
	// then a problem. For `acp check --live` it is a note, since checking
	// a config while its server runs is expected.
	serving bool
	// minFreeBytes is the least free space the store's file system must
	// have.
	minFreeBytes uint64
	now          func() time.Time

	problems []config.Problem
	notes    []string
}

// minStoreFreeBytes is the least free space the store's file system must
// have for a server to start: enough for Badger's first memtable flush
// and value log.
const minStoreFreeBytes = 256 << 20

// add records a problem at path.
func (p *preflight) add(path, format string, args ...any) {
	p.problems = append(p.problems, config.Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// run runs every live check, in the order of the config's sections.
func (p *preflight) run(ctx context.Context) {
	p.checkTLS()
	p.checkAgents()
	p.checkPayments()
	p.checkMerchantAPI()
	p.checkStore()
	p.checkPlugins(ctx)
}

// variable reads the environment variable the key at path names, and
// reports it when it is unset or empty.
func (p *preflight) variable(path, name string) (string, bool) {
	v := p.getenv(name)
	if v == "" {
		p.add(path, "environment variable %s is not set or empty", name)
		return "", false
	}
	return v, true
}

// checkTLS reads the certificate and key files, loads them as the server
// will, and checks that the certificate is current. The files are secrets
// a seller's CI does not have, so only the live checks read them.
func (p *preflight) checkTLS() {
	t := p.cfg.Server.TLS
	if !t.Enabled() {
		return
	}
	ok := true
	for _, f := range []struct{ key, file string }{{"server.tls.cert_file", t.CertFile}, {"server.tls.key_file", t.KeyFile}} {
		info, err := os.Stat(f.file)
		if err == nil && info.IsDir() {
			err = errors.New("a directory, not a PEM file")
		} else if err == nil {
			_, err = os.ReadFile(f.file)
		}
		if err != nil {
			p.add(f.key, "cannot read %q (relative paths are resolved from the working directory): %v", f.file, unwrapPath(err))
			ok = false
		}
	}
	if !ok {
		return
	}
	pair, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		p.add("server.tls", "the certificate and key do not load as a pair: %v", err)
		return
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		p.add("server.tls.cert_file", "cannot parse the certificate: %v", err)
		return
	}
	if now := p.now(); now.After(leaf.NotAfter) {
		p.add("server.tls.cert_file", "the certificate expired at %s", leaf.NotAfter.UTC().Format(time.RFC3339))
	} else if now.Before(leaf.NotBefore) {
		p.add("server.tls.cert_file", "the certificate is not valid before %s", leaf.NotBefore.UTC().Format(time.RFC3339))
	}
}

// checkAgents reads every agent's token, signing secret and webhook
// secrets.
func (p *preflight) checkAgents() {
	for i, a := range p.cfg.Agents {
		path := fmt.Sprintf("agents[%d]", i)
		if a.TokenEnv != "" {
			p.variable(path+".token_env", a.TokenEnv)
		}
		if s := a.Signature; s != nil && signature.Scheme(s.Scheme) == signature.HMACSHA256 {
			if secret, ok := p.variable(path+".signature.secret_env", s.SecretEnv); ok {
				if _, err := signature.NewHMAC([]byte(secret), s.MaxSkew); err != nil {
					p.add(path+".signature.secret_env", "environment variable %s: %v", s.SecretEnv, err)
				}
			}
		}
		for j, w := range a.Webhooks {
			p.variable(fmt.Sprintf("%s.webhooks[%d].secret_env", path, j), w.SecretEnv)
		}
	}
}

// checkPayments reads the Stripe handlers' secrets.
func (p *preflight) checkPayments() {
	for i, h := range p.cfg.Payments.Handlers {
		if h.Stripe == nil || h.Kind != "stripe" {
			continue
		}
		path := fmt.Sprintf("payments.handlers[%d].stripe", i)
		if key, ok := p.variable(path+".secret_key_env", h.Stripe.SecretKeyEnv); ok {
			// The same check as the handler's; the key itself is never
			// printed.
			if _, err := stripe.New(stripe.Config{ID: h.ID, MerchantID: h.MerchantID, SecretKey: key}); err != nil {
				p.add(path+".secret_key_env", "environment variable %s: %v", h.Stripe.SecretKeyEnv, err)
			}
		}
		if env := h.Stripe.WebhookSecretEnv; env != "" {
			if v, ok := p.variable(path+".webhook_secret_env", env); ok && !strings.HasPrefix(v, "whsec_") {
				p.add(path+".webhook_secret_env", "environment variable %s must hold the endpoint's signing secret (whsec_…)", env)
			}
		}
	}
}

// checkMerchantAPI reads the merchant token and checks that no agent
// shares it.
func (p *preflight) checkMerchantAPI() {
	m := p.cfg.MerchantAPI
	if m.TokenEnv == "" {
		return
	}
	token, ok := p.variable("merchant_api.token_env", m.TokenEnv)
	if !ok {
		return
	}
	for i, a := range p.cfg.Agents {
		other := a.LocalOnlyToken
		if a.TokenEnv != "" {
			other = p.getenv(a.TokenEnv)
		}
		if other != "" && subtle.ConstantTimeCompare([]byte(token), []byte(other)) == 1 {
			p.add("merchant_api.token_env", "the merchant token is the same as agents[%d]'s token; each needs its own", i)
		}
	}
}

// checkStore reads the store's encryption key and checks its directory:
// that the server can create or write it, that it has room, and whether a
// running server holds it. The store itself is never opened.
func (p *preflight) checkStore() {
	s := p.cfg.Store
	if env := s.EncryptionKeyEnv; env != "" {
		if v, ok := p.variable("store.encryption_key_env", env); ok {
			if key, err := hex.DecodeString(v); err != nil || len(key) != 32 {
				p.add("store.encryption_key_env", "environment variable %s must hold a 32-byte key as 64 hex characters", env)
			}
		}
	}
	dir := s.Dir
	info, err := os.Stat(dir)
	switch {
	case err == nil && !info.IsDir():
		p.add("store.dir", "%s is not a directory", dir)
		return
	case err == nil:
		if err := writable(dir); err != nil {
			p.add("store.dir", "the server cannot write %s: %v", dir, err)
			return
		}
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		parent, err := existingParent(dir)
		if err != nil {
			p.add("store.dir", "cannot create %s: %v", dir, err)
			return
		}
		if err := writable(parent); err != nil {
			p.add("store.dir", "cannot create %s: %s is not writable: %v", dir, parent, err)
			return
		}
		dir = parent
	default:
		p.add("store.dir", "cannot read %s: %v", s.Dir, unwrapPath(err))
		return
	}
	if free, err := freeBytes(dir); err == nil && free < p.minFreeBytes {
		p.add("store.dir", "only %d MiB free on the file system of %s; the store needs at least %d MiB", free>>20, s.Dir, p.minFreeBytes>>20)
	}
	held, err := storeHeld(s.Dir)
	switch {
	case err != nil:
		p.add("store.dir", "cannot check whether another process holds the store: %v", err)
	case held && p.serving:
		p.add("store.dir", "another process holds the store in %s: is a server already running with this config?", s.Dir)
	case held:
		p.notes = append(p.notes, fmt.Sprintf("store.dir: a running server holds the store in %s; checked without opening it", s.Dir))
	}
}

// existingParent returns the nearest ancestor of dir that exists, which
// must be a directory.
func existingParent(dir string) (string, error) {
	for d := dir; ; {
		parent := filepath.Dir(filepath.Clean(d))
		info, err := os.Stat(parent)
		if err == nil {
			if !info.IsDir() {
				return "", fmt.Errorf("%s is not a directory", parent)
			}
			return parent, nil
		}
		if !(errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)) || parent == d {
			return "", unwrapPath(err)
		}
		d = parent
	}
}

// checkPlugins checks every used plugin's binary, then starts each as the
// server would (handshake, info, its config checked against the schema it
// declares) and stops it again.
func (p *preflight) checkPlugins(ctx context.Context) {
	index := map[string]int{}
	for i, pl := range p.cfg.Plugins {
		index[pl.Name] = i
	}
	reported := map[string]bool{}
	for _, use := range p.cfg.UsedPlugins() {
		path := fmt.Sprintf("plugins[%d].command", index[use.Plugin.Name])
		info, err := os.Stat(use.Plugin.Command)
		switch {
		case err != nil:
			p.add(path, "cannot run %s: %v", use.Plugin.Command, unwrapPath(err))
		case !info.Mode().IsRegular():
			p.add(path, "%s is not a file", use.Plugin.Command)
		case info.Mode().Perm()&0o111 == 0:
			p.add(path, "%s is not executable (chmod +x it)", use.Plugin.Command)
		default:
			continue
		}
		reported[use.Plugin.Name] = true
	}
	if len(reported) == len(p.cfg.UsedPlugins()) {
		return
	}
	statuses, err := host.DescribePlugins(ctx, p.cfg, p.logger, p.getenv)
	if err != nil {
		p.add("plugins", "%v", err)
		return
	}
	for _, st := range statuses {
		if st.Ready() || reported[st.Name] {
			continue
		}
		path := fmt.Sprintf("plugins[%d]", index[st.Name])
		msg := oneLine(strings.TrimPrefix(st.Message, fmt.Sprintf("plugin %q: ", st.Name)))
		if strings.Contains(msg, "config does not match the plugin's schema") {
			path += ".config"
		}
		p.add(path, "plugin %q does not start: %s", st.Name, msg)
	}
}

// unwrapPath drops the operation and path of an *fs.PathError, which the
// message around it already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
