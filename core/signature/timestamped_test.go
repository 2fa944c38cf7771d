package signature

import (
	"regexp"
	"testing"
	"time"
)

func TestTimestampedHMAC(t *testing.T) {
	// The expected MACs were computed independently with OpenSSL:
	//
	//	printf '%s' '1700000000.{"type":"order_create","data":{"id":"ord_1"}}' | openssl dgst -sha256 -hmac 'whsec_test'
	//	printf '%s' '0.' | openssl dgst -sha256 -hmac 'k'
	//	printf '%s' '1700000000.' | openssl dgst -sha256 -hmac ''
	tests := []struct {
		name   string
		secret string
		t      time.Time
		body   string
		want   string
	}{
		{
			name:   "order event",
			secret: "whsec_test",
			t:      time.Unix(1700000000, 0),
			body:   `{"type":"order_create","data":{"id":"ord_1"}}`,
			want:   "t=1700000000,v1=e4cf8279a02b62395a694bc0975fc58d8e794b02efd25dbe23b952789d1cf6ef",
		},
		{
			name:   "epoch and empty body",
			secret: "k",
			t:      time.Unix(0, 0),
			body:   "",
			want:   "t=0,v1=6b4a4b8b3c40f1e8f53a3d36682e5f99f7ad2ac1df1c93dfe336f329167641e7",
		},
		{
			name:   "empty secret, sub-second time truncated",
			secret: "",
			t:      time.Unix(1700000000, 999_999_999).In(time.FixedZone("x", 3600)),
			body:   "",
			want:   "t=1700000000,v1=c1da1b6c6b8e9da7f4bbb90f7cab0820f271ad19ccbf80c88479c4e14f37d1c6",
		},
	}
	format := regexp.MustCompile(`^t=\d+,v1=[a-f0-9]{64}$`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := TimestampedHMAC([]byte(tc.secret), tc.t, []byte(tc.body))
			if got != tc.want {
				t.Errorf("TimestampedHMAC = %s, want %s", got, tc.want)
			}
			if !format.MatchString(got) {
				t.Errorf("TimestampedHMAC = %s does not match the header pattern", got)
			}
		})
	}
}
