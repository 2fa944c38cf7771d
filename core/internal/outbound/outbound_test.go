package outbound

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestRefuseInternal(t *testing.T) {
	refused := errors.New("refused")
	tests := []struct {
		network, address string
		refused          bool
	}{
		{"tcp4", "127.0.0.1:443", true},
		{"tcp6", "[::1]:443", true},
		{"tcp6", "[::ffff:192.168.0.1]:443", true},
		{"tcp4", "93.184.215.14:443", false},
		{"tcp6", "[2606:4700::6810:84e5]:443", false},
		{"tcp", "example.com:443", true}, // never a host name: fail closed
		{"tcp", "garbage", true},
	}
	for _, tc := range tests {
		t.Run(tc.address, func(t *testing.T) {
			err := RefuseInternal(refused)(tc.network, tc.address, nil)
			if got := errors.Is(err, refused); got != tc.refused {
				t.Errorf("RefuseInternal(%s) = %v, want refused %v", tc.address, err, tc.refused)
			}
			if !tc.refused && err != nil {
				t.Errorf("RefuseInternal(%s) = %v, want nil", tc.address, err)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 4, 17, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"1", time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"Fri, 17 Apr 2026 12:00:30 GMT", 30 * time.Second},
		{"Fri, 17 Apr 2026 11:59:00 GMT", 0},
		{"99999999999999999", 1<<63 - 1},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			if got := ParseRetryAfter(tc.value, now); got != tc.want {
				t.Errorf("ParseRetryAfter(%q) = %v, want %v", tc.value, got, tc.want)
			}
		})
	}
}

func TestErrorCode(t *testing.T) {
	tests := []struct {
		body, want string
	}{
		{`{"type":"invalid_request","code":"invalid_signature","message":"bad"}`, "invalid_signature"},
		{`{"code":"has space"}`, ""},
		{`{"code":12}`, ""},
		{`<html>oops</html>`, ""},
		{``, ""},
		{`{"code":"` + strings.Repeat("x", 65) + `"}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.body, func(t *testing.T) {
			if got := ErrorCode([]byte(tc.body)); got != tc.want {
				t.Errorf("ErrorCode(%s) = %q, want %q", tc.body, got, tc.want)
			}
		})
	}
}

func TestWithoutURL(t *testing.T) {
	cause := errors.New("connection refused")
	err := WithoutURL(&url.Error{Op: "Post", URL: "https://platform.example/feeds?token=secret", Err: cause})
	if strings.Contains(err.Error(), "secret") || !errors.Is(err, cause) || err.Error() != "post: connection refused" {
		t.Errorf("WithoutURL = %q, want %q wrapping the cause", err, "post: connection refused")
	}
	if other := errors.New("other"); WithoutURL(other) != other {
		t.Error("WithoutURL changed an error without a URL")
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempts   int
		retryAfter time.Duration
		low, high  time.Duration
	}{
		{1, 0, 50 * time.Millisecond, 100 * time.Millisecond},
		{2, 0, 100 * time.Millisecond, 200 * time.Millisecond},
		{5, 0, 500 * time.Millisecond, time.Second},
		{50, 0, 500 * time.Millisecond, time.Second},
		{1, 300 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond},
		{1, time.Hour, time.Second, time.Second},
	}
	for _, tc := range tests {
		b := Backoff{Initial: 100 * time.Millisecond, Max: time.Second}
		b.Jitter = func(int64) int64 { return 0 }
		if got := b.Delay(tc.attempts, tc.retryAfter); got != tc.low {
			t.Errorf("Delay(%d, %v) with no jitter = %v, want %v", tc.attempts, tc.retryAfter, got, tc.low)
		}
		b.Jitter = func(n int64) int64 { return n - 1 }
		if got := b.Delay(tc.attempts, tc.retryAfter); got != tc.high {
			t.Errorf("Delay(%d, %v) with full jitter = %v, want %v", tc.attempts, tc.retryAfter, got, tc.high)
		}
	}
}

func TestRetryableStatus(t *testing.T) {
	tests := []struct {
		status int
		want   bool
	}{
		{301, false}, {302, false}, {400, false}, {401, false}, {403, false}, {404, false}, {409, false}, {422, false},
		{408, true}, {425, true}, {429, true}, {500, true}, {502, true}, {503, true}, {504, true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			if got := RetryableStatus(tc.status); got != tc.want {
				t.Errorf("RetryableStatus(%d) = %v, want %v", tc.status, got, tc.want)
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		raw          string
		allowPrivate bool
		ok           bool
	}{
		{"https://platform.example/hooks/orders?t=1", false, true},
		{"https://8.8.8.8/hook", false, true},
		{"http://platform.example/hook", false, false},
		{"http://platform.example/hook", true, true},
		{"ftp://platform.example/hook", true, false},
		{"https://user:secret-token@platform.example/hook", true, false},
		{"/relative/hook", true, false},
		{"https:opaque-token", true, false},
		{"https://127.0.0.1/hook", false, false},
		{"https://127.1/hook", false, false},
		{"https://localhost./hook", false, false},
		{"https://[::1]/hook", false, false},
		{"https://169.254.169.254/latest", false, false},
		{"https://127.0.0.1/hook", true, true},
		{"https://%zz-secret-token/", false, false},
	}
	for _, tc := range tests {
		err := CheckURL(tc.raw, tc.allowPrivate)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q, %v) = %v, want ok %v", tc.raw, tc.allowPrivate, err, tc.ok)
		}
		if err != nil && (strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "token")) {
			t.Errorf("CheckURL(%q) error quotes the URL: %v", tc.raw, err)
		}
	}
}
