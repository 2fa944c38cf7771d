package ucpapi

import "testing"

func TestProfileOf(t *testing.T) {
	tests := []struct {
		header, want string
		ok           bool
	}{
		{`profile="https://p.test/ucp"`, "https://p.test/ucp", true},
		{` profile="https://p.test/ucp" `, "https://p.test/ucp", true},
		{`v=1, profile="https://p.test/a";x=1`, "https://p.test/a", true},
		{`other="x";q="a,b", profile="https://p.test/b"`, "", false},
		{`a, profile="https://p.test/c"`, "https://p.test/c", true},
		{`profile="https://p.test/\"q\""`, `https://p.test/"q"`, true},
		{`profile="https://p.test/\n"`, "", false},
		{`profile=https://p.test/`, "", false},
		{`profile="unterminated`, "", false},
		{`profile=""`, "", false},
		{`Profile="https://p.test/"`, "", false},
		{``, "", false},
	}
	for _, tt := range tests {
		got, ok := profileOf(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Errorf("profileOf(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzProfileOf(f *testing.F) {
	for _, s := range []string{`profile="https://p.test/"`, `a=1;b="x", profile="y"`, `profile="\`, `,,,`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		if p, ok := profileOf(header); ok && p == "" {
			t.Fatalf("%q: ok with no profile", header)
		}
	})
}
