package checkout

import (
	"errors"
	"math"
	"math/bits"

	"github.com/acp-sidecar/acp/core/apierr"
)

// errOverflow marks money arithmetic that left the int64 range.
var errOverflow = errors.New("amount out of range")

// sum adds non-negative amounts, failing instead of wrapping around.
type sum struct {
	total int64
	err   error
}

func (s *sum) add(v int64) {
	if s.err != nil {
		return
	}
	if v < 0 || s.total > math.MaxInt64-v {
		s.err = errOverflow
		return
	}
	s.total += v
}

// times multiplies a non-negative amount by a positive count, failing
// instead of wrapping around.
func times(amount, count int64) (int64, error) {
	if amount < 0 || count < 0 {
		return 0, errOverflow
	}
	hi, lo := bits.Mul64(uint64(amount), uint64(count))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, errOverflow
	}
	return int64(lo), nil
}

// tooLarge is the error for a cart whose amounts do not fit.
func tooLarge() *apierr.Error {
	return apierr.Invalid(apierr.CodeInvalid, "$.line_items", "The order's amounts are too large to process; reduce the quantities.")
}
