// Command ucp-order-receiver is a platform's receiver of UCP order
// events, small enough to read in one go: it shows how a platform checks
// that an event really comes from the business before trusting it.
//
// It listens on a loopback address and, for each POST:
//
//  1. reads the body and checks its Content-Digest (RFC 9530, sha-256);
//  2. reads Signature-Input (RFC 9421): the covered components and the
//     key id, and refuses a signature that leaves out what an event must
//     bind (the method, authority, path, Webhook-Id and the digest);
//  3. builds the signature base (RFC 9421 §2.5) from the request;
//  4. verifies the Signature (ES256: ECDSA P-256 over SHA-256, r||s) with
//     the key of that id in the business profile's signing_keys, fetched
//     from --profile when a key id is not known yet (the first event, and
//     the first after the business rotates its keys).
//
// It prints "verified" or "refused: <why>", with the event's Webhook-Id,
// the order's id and what happened to it, and answers 200 only to a
// verified event (else 401), so the business retries the others. A real
// receiver would also deduplicate by Webhook-Id: the business sends an
// event again until it is acknowledged.
//
// It uses the standard library only.
package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9000", "address to listen on")
	profile := flag.String("profile", "http://127.0.0.1:8080/.well-known/ucp", "the business profile URL, whose signing_keys sign the events")
	flag.Parse()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	r := &receiver{profileURL: *profile, client: &http.Client{Timeout: 10 * time.Second}, out: os.Stdout}
	fmt.Printf("listening on http://%s; the keys come from %s\n", ln.Addr(), *profile)
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}

// receiver verifies and prints the order events it is sent.
type receiver struct {
	profileURL string
	client     *http.Client
	out        io.Writer

	mu   sync.Mutex
	keys map[string]*ecdsa.PublicKey // the profile's signing keys by kid
}

// ServeHTTP answers one event: 200 when its signature verifies, else 401.
func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	event := summary(r.Header.Get("Webhook-Id"), body)
	rc.mu.Lock()
	defer rc.mu.Unlock() // one event at a time: the output stays readable
	if err := rc.verify(r, body); err != nil {
		fmt.Fprintf(rc.out, "refused: %v: %s\n", err, event)
		http.Error(w, "signature not verified", http.StatusUnauthorized)
		return
	}
	fmt.Fprintf(rc.out, "verified: %s\n", event)
}

// summary describes an event: its Webhook-Id, the order's id, its line
// statuses and its latest fulfillment event, when any.
func summary(webhookID string, body []byte) string {
	var o struct {
		ID          string                    `json:"id"`
		LineItems   []struct{ Status string } `json:"line_items"`
		Fulfillment struct {
			Events []struct{ Type string } `json:"events"`
		} `json:"fulfillment"`
	}
	if err := json.Unmarshal(body, &o); err != nil {
		return fmt.Sprintf("Webhook-Id %s, body is not JSON", webhookID)
	}
	what := "lines"
	for _, l := range o.LineItems {
		what += " " + l.Status
	}
	if n := len(o.Fulfillment.Events); n > 0 {
		what += ", fulfillment event " + o.Fulfillment.Events[n-1].Type
	}
	return fmt.Sprintf("Webhook-Id %s, order %s, %s", webhookID, o.ID, what)
}

// mustCover are the components a signature over an event must cover:
// without them a signed request could be replayed at another receiver, or
// its event id or body swapped.
var mustCover = []string{"@method", "@authority", "@path", "webhook-id", "content-digest"}

// verify checks r's Content-Digest against body and its signature "sig1"
// (or the only one it has) against the business's keys.
func (rc *receiver) verify(r *http.Request, body []byte) error {
	if err := checkDigest(r.Header.Get("Content-Digest"), body); err != nil {
		return err
	}
	label, components, params, err := parseSignatureInput(r.Header.Get("Signature-Input"))
	if err != nil {
		return err
	}
	for _, c := range mustCover {
		if !slices.Contains(components, c) {
			return fmt.Errorf("the signature does not cover %s", c)
		}
	}
	keyID, ok := param(params, "keyid")
	if !ok {
		return errors.New("Signature-Input has no keyid")
	}
	if alg, ok := param(params, "alg"); ok && alg != "ecdsa-p256-sha256" {
		return fmt.Errorf("algorithm %q is not ES256", alg)
	}
	sig, err := byteSequence(member(r.Header.Get("Signature"), label))
	if err != nil || len(sig) != 64 {
		return fmt.Errorf("no 64-byte ES256 signature %s in Signature", label)
	}
	key, err := rc.key(keyID)
	if err != nil {
		return err
	}
	base, err := signatureBase(r, components, params)
	if err != nil {
		return err
	}
	hash := sha256.Sum256([]byte(base))
	if !ecdsa.Verify(key, hash[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return errors.New("the signature does not verify")
	}
	return nil
}

// checkDigest checks that the Content-Digest header holds the sha-256 of
// body (RFC 9530: sha-256=:<base64>:).
func checkDigest(header string, body []byte) error {
	got, err := byteSequence(member(header, "sha-256"))
	if err != nil {
		return errors.New("no sha-256 Content-Digest")
	}
	want := sha256.Sum256(body)
	if !bytes.Equal(got, want[:]) {
		return errors.New("Content-Digest does not match the body")
	}
	return nil
}

// signatureBase is the RFC 9421 §2.5 signature base: one line per covered
// component, `"name": value`, then the signature parameters.
func signatureBase(r *http.Request, components []string, params string) (string, error) {
	var b strings.Builder
	for _, c := range components {
		var v string
		switch c {
		case "@method":
			v = r.Method
		case "@authority": // §2.2.3: the host, lower case, default port left out
			v = strings.ToLower(strings.TrimSuffix(r.Host, ":80"))
		case "@path":
			v = r.URL.EscapedPath()
		case "@query":
			v = "?" + r.URL.RawQuery
		default:
			if strings.HasPrefix(c, "@") {
				return "", fmt.Errorf("derived component %s is not supported", c)
			}
			vs := r.Header.Values(c)
			if len(vs) == 0 {
				return "", fmt.Errorf("covered header %s is missing", c)
			}
			for i := range vs {
				vs[i] = strings.TrimSpace(vs[i])
			}
			v = strings.Join(vs, ", ") // §2.1: field lines combined
		}
		fmt.Fprintf(&b, "%q: %s\n", c, v)
	}
	fmt.Fprintf(&b, "\"@signature-params\": (%s)%s", quoteAll(components), params)
	return b.String(), nil
}

// parseSignatureInput reads the first member of a Signature-Input
// dictionary, label=("c1" "c2" …);param=value…, into its label, its
// component names and its parameters as sent (";created=…;keyid=\"…\"").
// Components with parameters of their own (";sf", ";key") are refused.
func parseSignatureInput(header string) (label string, components []string, params string, err error) {
	label, rest, ok := strings.Cut(firstMember(header), "=")
	if !ok || !strings.HasPrefix(rest, "(") {
		return "", nil, "", errors.New("no signature in Signature-Input")
	}
	inner, params, ok := strings.Cut(rest[1:], ")")
	if !ok {
		return "", nil, "", errors.New("malformed Signature-Input")
	}
	for _, f := range strings.Fields(inner) {
		if len(f) < 2 || f[0] != '"' || f[len(f)-1] != '"' || strings.Contains(f[1:len(f)-1], `"`) {
			return "", nil, "", fmt.Errorf("component %s is not supported", f)
		}
		components = append(components, f[1:len(f)-1])
	}
	return strings.TrimSpace(label), components, params, nil
}

// firstMember is the first member of a structured-field dictionary (the
// business sends one signature, "sig1").
func firstMember(header string) string {
	quoted := false
	for i, c := range header {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			return strings.TrimSpace(header[:i])
		}
	}
	return strings.TrimSpace(header)
}

// member is the value of the dictionary member name in header ("" when
// absent), for members whose values hold no comma (byte sequences).
func member(header, name string) string {
	for _, m := range strings.Split(header, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(m), "="); ok && k == name {
			return v
		}
	}
	return ""
}

// param is the string value of the parameter name in params.
func param(params, name string) (string, bool) {
	for _, p := range strings.Split(params, ";") {
		if k, v, ok := strings.Cut(p, "="); ok && k == name {
			return strings.Trim(v, `"`), true
		}
	}
	return "", false
}

// byteSequence decodes a structured-field byte sequence, :<base64>:.
func byteSequence(v string) ([]byte, error) {
	if len(v) < 2 || v[0] != ':' || v[len(v)-1] != ':' {
		return nil, errors.New("not a byte sequence")
	}
	return base64.StdEncoding.DecodeString(v[1 : len(v)-1])
}

// quoteAll is the inner list of @signature-params: each component name
// quoted, separated by spaces.
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = `"` + n + `"`
	}
	return strings.Join(q, " ")
}

// key returns the profile's key keyID, fetching the profile again once
// when it does not have it.
func (rc *receiver) key(keyID string) (*ecdsa.PublicKey, error) {
	if k, ok := rc.keys[keyID]; ok {
		return k, nil
	}
	if err := rc.fetchKeys(); err != nil {
		return nil, err
	}
	if k, ok := rc.keys[keyID]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("key %q is not in the business profile", keyID)
}

// fetchKeys reads the EC P-256 keys of the business profile's
// signing_keys.
func (rc *receiver) fetchKeys() error {
	resp, err := rc.client.Get(rc.profileURL)
	if err != nil {
		return fmt.Errorf("fetch the business profile: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch the business profile: %s", resp.Status)
	}
	var doc struct {
		SigningKeys []struct{ Kty, Crv, Kid, X, Y string } `json:"signing_keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return fmt.Errorf("read the business profile: %w", err)
	}
	keys := map[string]*ecdsa.PublicKey{}
	for _, k := range doc.SigningKeys {
		if k.Kty != "EC" || k.Crv != "P-256" {
			continue // not an ES256 key
		}
		x, errX := base64.RawURLEncoding.DecodeString(k.X)
		y, errY := base64.RawURLEncoding.DecodeString(k.Y)
		if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
			return fmt.Errorf("signing key %q: malformed x or y", k.Kid)
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return fmt.Errorf("signing key %q: %w", k.Kid, err)
		}
		keys[k.Kid] = pub
	}
	rc.keys = keys
	return nil
}
