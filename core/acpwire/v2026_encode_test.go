package acpwire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
)

// TestEncodeSessionHandlers holds EncodeSession, which puts the handlers
// array in as the encoding is written (handlersWriter), to the bytes json.Marshal writes
// for the session with the array in it, whatever the strings before and
// after it hold.
func TestEncodeSessionHandlers(t *testing.T) {
	t.Parallel()
	html := sandboxDescriptor
	html.ID, html.DisplayName = "card<&>", `Card "test" <b>`
	html.Config = map[string]any{"url": "https://x.test/?a=1&b=<2>", "n": 1.5}
	sellers := map[string]Seller{
		"one handler":     testSeller,
		"no handler":      {Links: testSeller.Links},
		"html characters": {Handlers: []payment.Descriptor{html, sandboxDescriptor}, Links: testSeller.Links},
	}
	mark := handlersAt + string(handlersMark) + "}"
	sessions := map[string]func(*model.Session){
		"as the engine leaves it": func(*model.Session) {},
		"the mark in the id":      func(s *model.Session) { s.ID = "cs_" + mark },
		"the mark in metadata": func(s *model.Session) {
			s.Metadata = json.RawMessage(`{"a":{"capabilities":{"payment":{"handlers":0}}}}`)
		},
		"the mark in a message": func(s *model.Session) { s.Messages[0].Content = mark },
	}
	for sellerName, seller := range sellers {
		for _, version := range []string{V20260417, V20260130} {
			codec := newV2026(version, seller, DefaultLimits, version == V20260130)
			for name, change := range sessions {
				t.Run(sellerName+"/"+version+"/"+name, func(t *testing.T) {
					t.Parallel()
					s := testSession()
					s.APIVersion = version
					change(s)
					got, err := codec.EncodeSession(s)
					if err != nil {
						t.Fatal(err)
					}
					whole := codec.session(s)
					whole.Capabilities.Payment.Handlers = codec.handlers
					want, err := json.Marshal(whole)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got, want) {
						t.Errorf("EncodeSession =\n%s\nwant\n%s", got, want)
					}
					validateSession(t, version, got)
				})
			}
		}
	}
}

// TestEncodeSessionConcurrently encodes sessions from several goroutines
// at once, as a server does, so that the race detector sees any memory
// they share (go test -race: the pooled scratch sessions are built in,
// encoding/json's pooled encode states, the codec's handlers), and checks
// that no answer holds another's bytes. The sessions differ in their
// lists, and one goroutine's are far larger than the others'.
func TestEncodeSessionConcurrently(t *testing.T) {
	t.Parallel()
	codec := newV2026(V20260417, testSeller, DefaultLimits, false)
	const goroutines, each = 8, 50
	id := func(g int) string {
		if g == goroutines-1 {
			return fmt.Sprintf("cs_%d_%s", g, strings.Repeat("x", 64<<10))
		}
		return fmt.Sprintf("cs_%d_%s", g, strings.Repeat("x", g*100))
	}
	// The sessions differ in their lists too, so that a scratch reused
	// from a larger session would show what it held.
	session := func(g int) *model.Session {
		s := testSession()
		s.ID = id(g)
		switch g % 4 {
		case 1:
			s.Lines, s.Options, s.Selected, s.Messages = nil, nil, nil, nil
		case 2:
			for i := range 3 * g {
				l := s.Lines[0]
				l.ID = fmt.Sprintf("li_%d_%d", g, i)
				s.Lines = append(s.Lines, l)
			}
		case 3:
			s.Messages = s.Messages[:0]
		}
		return s
	}
	want := make([][]byte, goroutines)
	for g := range want {
		s := session(g)
		whole := codec.session(s)
		whole.Capabilities.Payment.Handlers = codec.handlers
		var err error
		if want[g], err = json.Marshal(whole); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			s := session(g)
			for range each {
				got, err := codec.EncodeSession(s)
				if err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(got, want[g]) {
					t.Errorf("goroutine %d: EncodeSession =\n%s\nwant\n%s", g, got, want[g])
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestHandlersWriterPieces: a session written to handlersWriter in pieces
// (json.Encoder writes it whole today) is spliced as one written whole,
// wherever the pieces split the mark.
func TestHandlersWriterPieces(t *testing.T) {
	t.Parallel()
	codec := newV2026(V20260417, testSeller, DefaultLimits, false)
	s := testSession()
	encoded, err := json.Marshal(codec.session(s))
	if err != nil {
		t.Fatal(err)
	}
	encoded = append(encoded, '\n')
	whole := handlersWriter{handlers: codec.handlers}
	if _, err := whole.Write(encoded); err != nil {
		t.Fatal(err)
	}
	want, err := whole.body(s.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 7, 40, len(encoded) - 1} {
		w := handlersWriter{handlers: codec.handlers}
		for rest := encoded; len(rest) > 0; {
			n := min(size, len(rest))
			if _, err := w.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		got, err := w.body(s.ID)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("written in pieces of %d: %s, %v\nwant %s", size, got, err, want)
		}
	}
	noMark := handlersWriter{handlers: codec.handlers}
	_, _ = noMark.Write([]byte(`{"id":"cs_1"}` + "\n"))
	if _, err := noMark.body("cs_1"); err == nil {
		t.Error("a session without the handlers mark was spliced")
	}
}
