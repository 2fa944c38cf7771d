package badgerstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/acp-sidecar/acp/core/model"
)

// Idempotency records are read on every keyed POST, so they are stored in
// a small binary layout rather than JSON (whose base64 body dominated the
// replay path): a version byte, the status (uint16), the expiry (Unix
// nanoseconds, int64), the fingerprint's length (uint8) and bytes, then the
// response body: as it is in version 1, packed (see pack) in version 2.
const (
	recordVersionPlain  = 1
	recordVersionPacked = 2
)

const recordHeader = 1 + 2 + 8 + 1

var errBadRecord = errors.New("malformed idempotency record")

func encodeIdempotency(r *model.IdempotencyRecord) ([]byte, error) {
	fp := r.Fingerprint
	if len(fp) > 255 {
		return nil, fmt.Errorf("%w: fingerprint of %d bytes", errBadRecord, len(fp))
	}
	b := getValueBuffer()
	defer b.release()
	buf := append(b.packed[:0], recordVersionPacked)
	buf = binary.BigEndian.AppendUint16(buf, uint16(r.Status))
	buf = binary.BigEndian.AppendUint64(buf, uint64(r.ExpiresAt.UnixNano()))
	buf = append(buf, byte(len(fp)))
	buf = append(buf, fp...)
	return b.value(pack(buf, r.Body)), nil
}

// decodeIdempotency parses a record; the body is copied out of Badger's buffer.
func decodeIdempotency(val []byte) (*model.IdempotencyRecord, error) {
	if len(val) < recordHeader || (val[0] != recordVersionPlain && val[0] != recordVersionPacked) {
		return nil, errBadRecord
	}
	fpLen := int(val[11])
	if len(val) < recordHeader+fpLen {
		return nil, errBadRecord
	}
	body := val[recordHeader+fpLen:]
	if val[0] == recordVersionPacked && packed(body) {
		var err error
		if body, err = unpack(body); err != nil {
			return nil, fmt.Errorf("%w: %w", errBadRecord, err)
		}
	} else {
		body = append([]byte(nil), body...) // out of Badger's buffer
	}
	return &model.IdempotencyRecord{
		Status:      int(binary.BigEndian.Uint16(val[1:3])),
		ExpiresAt:   time.Unix(0, int64(binary.BigEndian.Uint64(val[3:11]))),
		Fingerprint: string(val[recordHeader : recordHeader+fpLen]),
		Body:        body,
	}, nil
}
