package outbound

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// WithoutURL drops the *url.Error layer of an HTTP client's error, whose
// message repeats the URL (which may carry a token), keeping the
// operation and the cause.
func WithoutURL(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return fmt.Errorf("%s: %w", strings.ToLower(uerr.Op), uerr.Err)
	}
	return err
}

// codePattern is what an error code from a remote party must look like to
// be kept.
var codePattern = regexp.MustCompile(`^[A-Za-z0-9_.\-]{1,64}$`)

// ErrorCode returns the "code" of an ACP error body, if it has a plain one
// (letters, digits, '_', '.', '-', at most 64). Nothing else of the body is
// kept: it could echo the payload.
func ErrorCode(body []byte) string {
	var v struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(body, &v) != nil || !codePattern.MatchString(v.Code) {
		return ""
	}
	return v.Code
}

// ParseRetryAfter reads a Retry-After value, delta-seconds or an HTTP
// date; zero when absent, invalid or in the past.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64((1<<63-1)/time.Second) {
			return 1<<63 - 1
		}
		return time.Duration(n) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0)
	}
	return 0
}

// RetryableStatus reports whether a request answered status (outside
// 2xx) may succeed when sent again later: the remote party was busy,
// limited the rate, or failed (408, 425, 429, 5xx).
func RetryableStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return status >= 500
}
