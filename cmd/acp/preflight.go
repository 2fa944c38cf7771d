package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
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
	"github.com/acp-sidecar/acp/core/pluginmgr"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
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
	// The secrets the config names: the same check as the server's own.
	p.problems = append(p.problems, host.CheckSecrets(p.cfg, p.getenv)...)
	p.checkStore(ctx)
	p.checkPlugins(ctx)
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

// checkStore checks the PostgreSQL store's database (connected to, its
// schema one this release can run on) or the Badger store's directory.
func (p *preflight) checkStore(ctx context.Context) {
	if p.cfg.Store.Driver != config.StorePostgres {
		p.checkStoreDir()
		return
	}
	if p.getenv(p.cfg.Store.Postgres.DSNEnv) == "" {
		return // CheckSecrets reported it
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := host.CheckDatabase(ctx, p.cfg, p.getenv); err != nil {
		p.add("store.postgres", "%v", err)
	}
}

// checkStoreDir checks the store's directory:
// that the server can create or write it, that it has room, and whether a
// running server holds it. The store itself is never opened.
func (p *preflight) checkStoreDir() {
	s := p.cfg.Store
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
	p.noteFeedListing(statuses)
}

// noteFeedListing notes that no product feed will be published when the
// config has feeds and the catalog plugin starts but does not list its
// products (catalog.listing): the server starts all the same, and says so
// in its log and in each target's status.
func (p *preflight) noteFeedListing(statuses []pluginmgr.Status) {
	catalogPlugin, ok := p.cfg.PluginFor(config.CapabilityCatalog)
	if !ok || len(p.cfg.Feeds) == 0 {
		return
	}
	for _, st := range statuses {
		if st.Name == catalogPlugin.Name && st.Ready() && !st.Info.Serves(acpplugin.CapabilityListing) {
			p.notes = append(p.notes, fmt.Sprintf("feeds: the catalog plugin %q does not announce %s, so no product feed will be published", st.Name, acpplugin.CapabilityListing))
		}
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
