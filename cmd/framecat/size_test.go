package main

import (
	"math"
	"strconv"
	"testing"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want int
	}{
		{"0", 0},
		{"1", 1},
		{"4096", 4096},
		{"007", 7},
		{"1K", 1 << 10},
		{"1k", 1 << 10},
		{"64KiB", 64 << 10},
		{"64kib", 64 << 10},
		{"8M", 8 << 20},
		{"8MiB", 8 << 20},
		{"2G", 2 << 30},
		{"2GiB", 2 << 30},
		{"0K", 0},
		{strconv.Itoa(math.MaxInt), math.MaxInt},
	}
	for _, tc := range good {
		got, err := parseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, nil", tc.in, got, err, tc.want)
		}
	}
	bad := []string{
		"", "K", "KiB", "-1", "+1", " 1", "1 ", "1 K", "1.5K", "1e3", "0x10", "1_000",
		"1KB", "1Ki", "1B", "1T", "1KK", "1KiBK", "12Q", "one",
		"18446744073709551616", // over uint64
		"9223372036854775808",  // over math.MaxInt
		"9007199254740992K",    // 2^53 KiB = 2^63: over math.MaxInt
		"8589934592G",          // 2^33 GiB = 2^63
	}
	for _, in := range bad {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, nil; want an error", in, got)
		}
	}
}

func TestSizeFlagRoundTrip(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 1000, 1024, 1536, 64 << 10, 8 << 20, 3 << 30, math.MaxInt} {
		var f sizeFlag
		if err := f.Set(formatSize(n)); err != nil || int(f) != n {
			t.Errorf("Set(formatSize(%d) = %q) = %v, value %d", n, formatSize(n), err, int(f))
		}
	}
	if got := formatSize(8 << 20); got != "8MiB" {
		t.Errorf("formatSize(8 MiB) = %q, want 8MiB", got)
	}
}
