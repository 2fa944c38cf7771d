package badgerstore

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// TestEncryptionAtRest: with a key, a session's payment token is nowhere
// in the files on disk, the store reopens with the key, and it refuses to
// open without it.
func TestEncryptionAtRest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := bytes.Repeat([]byte{7}, 32)
	const secret = "spt_secret_token_at_rest"
	st, err := Open(Options{Dir: dir, EncryptionKey: key, SessionRetention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	sess := &model.Session{ID: "cs_enc", Status: model.StatusCompleteInProgress, ExpiresAt: time.Now().Add(time.Hour), Payment: &model.Payment{Token: secret}}
	if err := st.Update(context.Background(), func(tx store.Tx) error { return tx.PutSession(sess) }); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	err = filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s holds the token in clear", filepath.Base(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{Dir: dir}); err == nil {
		t.Fatal("an encrypted store opened without its key")
	}
	st, err = Open(Options{Dir: dir, EncryptionKey: key})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.View(context.Background(), func(r store.Reader) error {
		got, err := r.Session("cs_enc")
		if err == nil && got.Payment.Token != secret {
			t.Errorf("token = %q after reopening", got.Payment.Token)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
