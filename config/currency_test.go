package config

import (
	"regexp"
	"testing"
)

func TestCurrencyExponent(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		code   string
		exp    int
		wantOK bool
	}{
		"US dollar":                {code: "usd", exp: 2, wantOK: true},
		"euro":                     {code: "eur", exp: 2, wantOK: true},
		"yen has no minor unit":    {code: "jpy", exp: 0, wantOK: true},
		"Kuwaiti dinar has three":  {code: "kwd", exp: 3, wantOK: true},
		"Chilean UF has four":      {code: "clf", exp: 4, wantOK: true},
		"Caribbean guilder":        {code: "xcg", exp: 2, wantOK: true},
		"Zimbabwe gold":            {code: "zwg", exp: 2, wantOK: true},
		"upper case is not a code": {code: "USD"},
		"unknown code":             {code: "usx"},
		"gold has no minor unit":   {code: "xau"},
		"testing code":             {code: "xts"},
		"withdrawn kuna":           {code: "hrk"},
		"empty":                    {code: ""},
		"too long":                 {code: "usdd"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			exp, ok := CurrencyExponent(tc.code)
			if exp != tc.exp || ok != tc.wantOK {
				t.Errorf("CurrencyExponent(%q) = %d, %v; want %d, %v", tc.code, exp, ok, tc.exp, tc.wantOK)
			}
			if got := IsCurrency(tc.code); got != tc.wantOK {
				t.Errorf("IsCurrency(%q) = %v, want %v", tc.code, got, tc.wantOK)
			}
		})
	}
}

// TestCurrencyTable checks the table's shape: lower-case three-letter
// codes with exponents from 0 to 4, and roughly the size of ISO 4217.
func TestCurrencyTable(t *testing.T) {
	t.Parallel()
	code := regexp.MustCompile(`^[a-z]{3}$`)
	for c, exp := range currencyExponents {
		if !code.MatchString(c) || exp < 0 || exp > 4 {
			t.Errorf("bad entry %q: %d", c, exp)
		}
	}
	if n := len(currencyExponents); n < 150 || n > 200 {
		t.Errorf("%d currencies, want the ~165 of ISO 4217", n)
	}
}
