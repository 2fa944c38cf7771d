package acpwire

import (
	"strconv"
	"strings"
)

// exactInteger returns the value of a JSON number when it is exactly a
// whole number that fits in an int64: 2, 2.0, 2.000, 2e0, 20e-1 and
// 0.2e1 are 2, while 1.5 and 0.99999999999999999999 are refused, however
// close to a whole number a float64 would round them. It works on the
// decimal digits, never on a float, and refuses exponents too large to
// matter before expanding them.
func exactInteger(number string) (int64, bool) {
	mantissa, exp := number, 0
	if i := strings.IndexAny(number, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(number[i+1:], "+"))
		if err != nil || e < -400 || e > 400 {
			return 0, false
		}
		mantissa, exp = number[:i], e
	}
	neg := strings.HasPrefix(mantissa, "-")
	mantissa = strings.TrimPrefix(mantissa, "-")
	intPart, fracPart, _ := strings.Cut(mantissa, ".")
	digits := strings.TrimLeft(intPart+fracPart, "0")
	if digits == "" {
		return 0, true
	}
	// The decimal point sits after point digits of digits.
	point := len(intPart) + exp - (len(intPart+fracPart) - len(digits))
	if point < len(digits) {
		if strings.Trim(digits[max(point, 0):], "0") != "" {
			return 0, false
		}
		digits = digits[:max(point, 0)]
	} else {
		if point > 19 {
			return 0, false
		}
		digits += strings.Repeat("0", point-len(digits))
	}
	if digits == "" {
		return 0, true
	}
	if neg {
		digits = "-" + digits
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}
