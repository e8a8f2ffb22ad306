package frametest

import (
	"slices"
	"testing"
)

// RoundTrip must send sizes in increasing order, end at the limit, and hit
// both sides of every header boundary below it.
func TestRoundTripSizes(t *testing.T) {
	boundaries := []int{1 << 7, 1 << 8, 1 << 14, 1 << 16, 1 << 21}
	for _, maxSize := range []int{0, 1, 5, 128, 300, 1 << 20, 1 << 22} {
		limit := limitFor(maxSize)
		sizes := roundTripSizes(limit)
		if !slices.IsSorted(sizes) || len(slices.Compact(slices.Clone(sizes))) != len(sizes) {
			t.Errorf("limit %d: sizes %v are not strictly increasing", maxSize, sizes)
		}
		if last := sizes[len(sizes)-1]; last != limit {
			t.Errorf("limit %d: largest size %d, want %d", maxSize, last, limit)
		}
		if sizes[0] != 0 {
			t.Errorf("limit %d: sizes %v do not start with an empty message", maxSize, sizes)
		}
		for _, b := range boundaries {
			for _, n := range []int{b - 1, b} {
				if n <= limit && !slices.Contains(sizes, n) {
					t.Errorf("limit %d: sizes %v lack %d, next to the header boundary at %d", maxSize, sizes, n, b)
				}
			}
		}
	}
}
