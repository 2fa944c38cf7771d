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
	buf := make([]byte, recordHeader, recordHeader+len(fp)+packRoom(len(r.Body)))
	buf[0] = recordVersionPacked
	binary.BigEndian.PutUint16(buf[1:3], uint16(r.Status))
	binary.BigEndian.PutUint64(buf[3:11], uint64(r.ExpiresAt.UnixNano()))
	buf[11] = byte(len(fp))
	buf = append(buf, fp...)
	return pack(buf, r.Body), nil
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
