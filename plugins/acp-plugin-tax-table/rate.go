package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// rate is a tax rate in parts per million (acp.PPM), from 0 up to but not
// including acp.PPM, so that tax arithmetic never uses floats.
type rate int64

// rateText is a rate as acp.yaml writes it, a JSON string ("0.0725") or
// number (0.0725), kept as written so that parsePPM reads it digit by
// digit, never through a float.
type rateText string

// JSONTypes tells the config's schema that a rate is written as a string
// or a number.
func (rateText) JSONTypes() []string { return []string{"string", "number"} }

// UnmarshalJSON keeps the text of a JSON string or number.
func (r *rateText) UnmarshalJSON(data []byte) error {
	if bytes.HasPrefix(data, []byte(`"`)) {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*r = rateText(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("a tax rate is a string or a number, such as \"0.0725\", got %s", data)
	}
	*r = rateText(n)
	return nil
}

// fraction returns the rate as a fraction, for display only.
func (r rate) fraction() float64 { return float64(r) / acp.PPM }

// parsePPM converts a decimal fraction such as "0.0725", ".5" or
// "7.25e-2" to parts per million, exactly. It refuses negative rates,
// rates of 1 or more, and rates finer than one part per million.
func parsePPM(s string) (int64, error) {
	refuse := func(why string) (int64, error) {
		return 0, fmt.Errorf("tax rate %q %s: write a fraction such as \"0.0725\" for 7.25%%", s, why)
	}
	text := strings.TrimSpace(s)
	exp := 0
	if i := strings.IndexAny(text, "eE"); i >= 0 {
		e, err := strconv.Atoi(text[i+1:])
		if err != nil || e < -100 || e > 100 {
			return refuse("is not a decimal number")
		}
		exp, text = e, text[:i]
	}
	intPart, fracPart, _ := strings.Cut(text, ".")
	if intPart+fracPart == "" || strings.TrimLeft(intPart+fracPart, "0123456789") != "" {
		if strings.HasPrefix(text, "-") {
			return refuse("is negative")
		}
		return refuse("is not a decimal number")
	}
	// The value is digits × 10^shift / 10^6, in parts per million.
	digits := strings.TrimLeft(intPart+fracPart, "0")
	shift := exp - len(fracPart) + 6
	if shift < 0 {
		cut := max(len(digits)+shift, 0)
		if strings.Trim(digits[cut:], "0") != "" {
			return refuse("is more precise than six decimal places (one part per million)")
		}
		digits = digits[:cut]
	} else if digits != "" {
		if len(digits)+shift > 7 {
			return refuse("is not below 1")
		}
		digits += strings.Repeat("0", shift)
	}
	if digits == "" {
		return 0, nil
	}
	if len(digits) > 7 {
		return refuse("is not below 1")
	}
	ppm, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return refuse("is not a decimal number")
	}
	if ppm >= acp.PPM {
		return refuse("is not below 1")
	}
	return ppm, nil
}
