package testkit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Binaries are the main packages tests run as processes, by binary name,
// relative to the repository root.
var Binaries = map[string]string{
	"acp":                       "./cmd/acp",
	"testplugin":                "./core/pluginmgr/internal/testplugin",
	"acp-plugin-catalog-file":   "./plugins/acp-plugin-catalog-file",
	"acp-plugin-tax-table":      "./plugins/acp-plugin-tax-table",
	"acp-plugin-shipping-zones": "./plugins/acp-plugin-shipping-zones",
	"acp-plugin-order-forward":  "./plugins/acp-plugin-order-forward",
	"ucp-order-receiver":        "./examples/ucp-order-receiver",
}

// built is this process's view of the binary directory: found or built
// once, whichever package asks first.
var built = sync.OnceValues(buildAll)

// Binary returns the path of the named binary (a key of Binaries). Every
// binary is built in one go build the first time any test package of a
// source tree asks, into a directory of the user's cache keyed by a hash
// of the tree's Go sources; test packages running at the same time wait
// for that build under a file lock rather than building again, and later
// runs of the same sources reuse it.
func Binary(t testing.TB, name string) string {
	t.Helper()
	path, err := BinaryPath(name)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// BinaryPath is Binary for TestMain, where there is no test to fail.
func BinaryPath(name string) (string, error) {
	if _, ok := Binaries[name]; !ok {
		return "", fmt.Errorf("testkit: no binary %q", name)
	}
	dir, err := built()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}

// buildAll finds or builds the binaries of this source tree and returns
// their directory.
func buildAll() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	key, err := sourceKey(root)
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	base := filepath.Join(cache, "acp-testbin")
	dir := filepath.Join(base, key)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("binary cache: %w", err)
	}
	unlock, err := lock(filepath.Join(dir, ".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if err := holdInUse(dir); err != nil {
		return "", err
	}
	done := filepath.Join(dir, ".done")
	if _, err := os.Stat(done); err == nil {
		now := time.Now()
		_ = os.Chtimes(done, now, now) // when it was last used, for prune
		return dir, nil
	}
	// Without symbols the binaries link faster and take a third less
	// room; the tests never debug them.
	args := []string{"build", "-ldflags=-s -w", "-o", dir + string(filepath.Separator)}
	for _, pkg := range Binaries {
		args = append(args, pkg)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", strings.Join(args[4:], " "), err, out)
	}
	if err := os.WriteFile(done, nil, 0o600); err != nil {
		return "", err
	}
	prune(base, key)
	return dir, nil
}

// inUse is the name of the file in a set of binaries on which every
// process using the set holds a shared lock for its lifetime.
const inUse = ".inuse"

// heldInUse is the in-use file this process holds a shared lock on,
// kept here so that it is never collected, and closed, while the process
// runs.
var heldInUse atomic.Pointer[os.File]

// holdInUse takes, for the rest of the process, a shared lock on dir's
// in-use file, so that prune in another process leaves the set alone. A
// prune that removed the set while this process waited for the lock
// leaves it holding a removed file: it then makes the set again.
func holdInUse(dir string) error {
	path := filepath.Join(dir, inUse)
	for range 3 {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("binary cache: %w", err)
		}
		f, err := lockShared(path)
		if err != nil {
			return err
		}
		held, err1 := f.Stat()
		named, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			heldInUse.Store(f)
			return nil
		}
		f.Close()
	}
	return fmt.Errorf("testkit: %s was removed three times while waiting to use it", dir)
}

// prune removes the binaries of other source trees not used for an hour
// (each set is about 100 MB), so that the cache holds little more than the
// trees being worked on. A set some process holds in use is left alone:
// prune takes an exclusive lock on it without waiting, and checks under
// that lock that it is still unused for an hour (a process about to use
// it marks .done first).
func prune(base, keep string) {
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		if e.Name() == keep {
			continue
		}
		dir := filepath.Join(base, e.Name())
		if !unusedForAnHour(dir) {
			continue
		}
		unlock, ok, err := tryLock(filepath.Join(dir, inUse))
		if err != nil || !ok {
			continue
		}
		if unusedForAnHour(dir) {
			_ = os.RemoveAll(dir)
		}
		unlock()
	}
}

// unusedForAnHour reports whether dir is a finished set of binaries last
// used more than an hour ago.
func unusedForAnHour(dir string) bool {
	info, err := os.Stat(filepath.Join(dir, ".done"))
	return err == nil && time.Since(info.ModTime()) > time.Hour
}

// repoRoot is the host module's root: two levels above this file.
func repoRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("testkit: no source path")
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("testkit: repository root: %w", err)
	}
	return root, nil
}

// buildEnv are the go env settings that change what go build makes of
// the same sources.
var buildEnv = []string{"GOFLAGS", "CGO_ENABLED", "GOEXPERIMENT", "GOAMD64", "GOWORK"}

// runtimeDirs are the repository root's directories that hold what a
// running server writes (./data) and what a build writes (./bin), not
// sources; a package directory of either name deeper down is hashed.
var runtimeDirs = []string{"data", "bin"}

// sourceKey hashes what the binaries are built from: the Go toolchain,
// the go env settings that change a build (buildEnv), and every Go source
// and module file of the tree (the host module and the SDK beside it), by
// path and content. Tests, testdata and dot directories are left out.
func sourceKey(root string) (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	cmd := exec.Command("go", append([]string{"env"}, buildEnv...)...)
	cmd.Dir = root
	env, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("testkit: go env: %w", err)
	}
	h.Write(env)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			topLevel := filepath.Dir(path) == root
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || topLevel && slices.Contains(runtimeDirs, name)) {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		if !strings.HasSuffix(name, ".go") && name != "go.mod" && name != "go.sum" || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		rel, _ := filepath.Rel(root, path)
		fmt.Fprintf(h, "%s\x00", rel)
		_, err = io.Copy(h, f)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("testkit: hash sources: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
