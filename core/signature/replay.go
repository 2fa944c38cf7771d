package signature

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// HeaderMintedKey marks a request dispatched in process (by the MCP
// binding) whose Idempotency-Key the server minted after the agent had
// signed: the signature covers an empty key. The REST stack honours it
// only on requests dispatched in process, never on a network request.
const HeaderMintedKey = "ACP-Minted-Idempotency-Key"

// ReplayKey names a verified signature for replay protection: the SHA-256
// of the agent's name and the decoded signature. Both schemes are
// deterministic and Ed25519 verification refuses non-canonical
// signatures, so a request signed once has one key, however its
// Signature header is spelled. ok is false when signature is not base64url.
func ReplayKey(agent, signature string) (key string, ok bool) {
	sig, err := decodeSignature(signature)
	if err != nil {
		return "", false
	}
	h := sha256.New()
	h.Write([]byte(agent))
	h.Write([]byte{0})
	h.Write(sig)
	return hex.EncodeToString(h.Sum(nil)), true
}

// ReplayWindow is how long after now the replay record of a request
// signed at timestamp must be kept: until the timestamp leaves the
// verifier's skew window on this server's clock (timestamp + maxSkew -
// now), plus a margin of maxSkew again for the clocks of other replicas
// sharing the store, which may lag this one by up to maxSkew, plus a
// second for Timestamp's whole seconds and the store's expiry in whole
// seconds. It is 0 for a malformed timestamp.
func (v *Verifier) ReplayWindow(timestamp string, now time.Time) time.Duration {
	signed, err := time.Parse(time.RFC3339, timestamp)
	if err != nil {
		return 0
	}
	return max(0, signed.Add(v.maxSkew).Sub(now)) + v.maxSkew + time.Second
}
