package testkit

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestVerifySignature checks the verifier against a header computed with
// OpenSSL (see signature.TestTimestampedHMAC).
func TestVerifySignature(t *testing.T) {
	t.Parallel()
	const (
		header = "t=1700000000,v1=e4cf8279a02b62395a694bc0975fc58d8e794b02efd25dbe23b952789d1cf6ef"
		body   = `{"type":"order_create","data":{"id":"ord_1"}}`
	)
	at := time.Unix(1700000000, 0)
	testCases := map[string]struct {
		secret, header, body string
		now                  time.Time
		skew                 time.Duration
		wantErr              bool
	}{
		"valid":            {secret: "whsec_test", header: header, body: body, now: at},
		"within the skew":  {secret: "whsec_test", header: header, body: body, now: at.Add(time.Minute), skew: 5 * time.Minute},
		"a changed body":   {secret: "whsec_test", header: header, body: body + " ", now: at, wantErr: true},
		"another secret":   {secret: "whsec_other", header: header, body: body, now: at, wantErr: true},
		"an old timestamp": {secret: "whsec_test", header: header, body: body, now: at.Add(time.Minute), wantErr: true},
		"upper-case hex":   {secret: "whsec_test", header: header[:17] + strings.ToUpper(header[17:]), body: body, now: at, wantErr: true},
		"no timestamp":     {secret: "whsec_test", header: header[14:], body: body, now: at, wantErr: true},
		"a short mac":      {secret: "whsec_test", header: header[:len(header)-2], body: body, now: at, wantErr: true},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := VerifySignature([]byte(tc.secret), tc.header, []byte(tc.body), tc.now, tc.skew)
			if (err != nil) != tc.wantErr {
				t.Errorf("VerifySignature() = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

func TestBuffer(t *testing.T) {
	t.Parallel()
	var b Buffer
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 100 {
				b.Write([]byte("x"))
			}
		}()
	}
	for range 4 {
		<-done
	}
	if got := len(b.String()); got != 400 {
		t.Errorf("wrote 400 bytes, kept %d", got)
	}
}

func TestEventually(t *testing.T) {
	t.Parallel()
	n := 0
	Eventually(t, 10*time.Second, "the third poll", func() bool { n++; return n == 3 })
	if n != 3 {
		t.Errorf("polled %d times, want 3", n)
	}
}

// TestSourceKey checks, on a tree of its own, that the binaries' cache
// key is stable and follows what a build reads: an edited .go file or any
// go.mod changes it, even in a package directory named data or bin; an
// edited test, testdata, dot directory or the root's data and bin do not.
func TestSourceKey(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	files := map[string]string{
		"go.mod":              "module example.test\n",
		"main.go":             "package main\n",
		"main_test.go":        "package main\n",
		"sdk/go.mod":          "module example.test/sdk\n",
		"sdk/sdk.go":          "package sdk\n",
		"core/data/data.go":   "package data\n",
		"core/bin/bin.go":     "package bin\n",
		"core/testdata/x.go":  "package x\n",
		".git/hooks/x.go":     "package x\n",
		"data/badger/x.go":    "package x\n",
		"bin/acp/x.go":        "package x\n",
		"core/x/notes.txt":    "notes\n",
		"core/x/x_test.go":    "package x\n",
		"core/x/x.go":         "package x\n",
		"examples/hi/go.mod":  "module example.test/hi\n",
		"examples/hi/go.sum":  "\n",
		"examples/hi/main.go": "package main\n",
	}
	for name, content := range files {
		write(t, filepath.Join(root, name), content)
	}
	key := func() string {
		t.Helper()
		k, err := sourceKey(root)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	first := key()
	if again := key(); again != first || len(first) != 16 {
		t.Fatalf("keys %q and %q, want one 16-digit key", first, again)
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		changes := strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "go.mod") || strings.HasSuffix(name, "go.sum")
		switch {
		case strings.HasSuffix(name, "_test.go"), strings.HasPrefix(name, ".git/"), strings.Contains(name, "testdata/"),
			strings.HasPrefix(name, "data/"), strings.HasPrefix(name, "bin/"):
			changes = false
		}
		write(t, filepath.Join(root, name), files[name]+"// edited\n")
		if got := key(); (got != first) != changes {
			t.Errorf("editing %s: key changed %v, want %v", name, got != first, changes)
		}
		write(t, filepath.Join(root, name), files[name])
	}
	if got := key(); got != first {
		t.Errorf("key %q after undoing every edit, want %q", got, first)
	}
}

// TestSourceKeyFollowsGoEnv checks that a go env setting that changes a
// build changes the key. It sets the environment, so it runs alone.
func TestSourceKeyFollowsGoEnv(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "go.mod"), "module example.test\n")
	keys := map[string]bool{}
	for _, flags := range []string{"", "-tags=acp_other"} {
		t.Setenv("GOFLAGS", flags)
		k, err := sourceKey(root)
		if err != nil {
			t.Fatal(err)
		}
		keys[k] = true
	}
	if len(keys) != 2 {
		t.Errorf("GOFLAGS \"\" and \"-tags=acp_other\" gave the same key")
	}
}

// TestPruneLeavesSetsInUse checks that prune removes a set of binaries
// unused for an hour only when no process holds it in use.
func TestPruneLeavesSetsInUse(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	old := time.Now().Add(-2 * time.Hour)
	for _, set := range []string{"keep", "stale", "inuse", "recent"} {
		write(t, filepath.Join(base, set, ".done"), "")
		if set != "recent" {
			if err := os.Chtimes(filepath.Join(base, set, ".done"), old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	held, err := lockShared(filepath.Join(base, "inuse", inUse))
	if err != nil {
		t.Fatal(err)
	}
	prune(base, "keep")
	for set, want := range map[string]bool{"keep": true, "stale": false, "inuse": true, "recent": true} {
		if _, err := os.Stat(filepath.Join(base, set)); (err == nil) != want {
			t.Errorf("after prune, set %s exists %v, want %v", set, err == nil, want)
		}
	}
	held.Close()
	// A process that another parallel test forks inherits the lock's
	// descriptor until it execs, holding the lock a moment longer: prune
	// then leaves the set for a later run, so try again until it is gone.
	Eventually(t, 10*time.Second, "set inuse, released, pruned", func() bool {
		prune(base, "keep")
		_, err := os.Stat(filepath.Join(base, "inuse"))
		return err != nil
	})
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAt(t *testing.T) {
	t.Parallel()
	doc := map[string]any{"a": []any{map[string]any{"b": "x"}, 2.0}, "s": "str"}
	for _, tc := range []struct {
		path []any
		want any
	}{
		{[]any{"a", 0, "b"}, "x"},
		{[]any{"a", 1}, 2.0},
		{[]any{"a", 2}, nil},
		{[]any{"a", -1}, nil},
		{[]any{"s", "b"}, nil},
		{[]any{"s", 0}, nil},
		{[]any{"missing", "b"}, nil},
		{[]any{"a", 1.0}, nil},
		{nil, doc},
	} {
		if got := At(doc, tc.path...); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("At(%v) = %v, want %v", tc.path, got, tc.want)
		}
	}
}
