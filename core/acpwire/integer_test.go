package acpwire

import "testing"

func TestExactInteger(t *testing.T) {
	tests := []struct {
		number string
		want   int64
		ok     bool
	}{
		{"2", 2, true},
		{"2.0", 2, true},
		{"2.000", 2, true},
		{"2e0", 2, true},
		{"20e-1", 2, true},
		{"0.2e1", 2, true},
		{"0.2E+1", 2, true},
		{"0", 0, true},
		{"-0.0", 0, true},
		{"0e400", 0, true},
		{"-3", -3, true},
		{"100000", 100000, true},
		{"1e5", 100000, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"1.5", 0, false},
		{"0.99999999999999999999", 0, false},
		{"1.00000000000000000001", 0, false},
		{"0.5", 0, false},
		{"1e-1", 0, false},
		{"9223372036854775808", 0, false},
		{"1e19", 0, false},
		{"1e400", 0, false},
		{"1e999999999", 0, false},
		{"1e-999999999", 0, false},
	}
	for _, tc := range tests {
		got, ok := exactInteger(tc.number)
		if got != tc.want || ok != tc.ok {
			t.Errorf("exactInteger(%s) = %d, %v; want %d, %v", tc.number, got, ok, tc.want, tc.ok)
		}
	}
}
