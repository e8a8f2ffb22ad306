package testkit

import "bytes"

// Fataler is the part of a test (testing.T, rapid.T) that AppendBody needs.
type Fataler interface {
	Fatalf(format string, args ...any)
}

// AppendBody returns a body builder for a WriteMsgFunc whose bound is bound:
// it fails t unless it is handed an empty slice of capacity bound, then
// appends msg to it, or, when own is set, returns a copy of msg of its own
// instead, as a builder that ignores its argument would.
func AppendBody(t Fataler, msg []byte, bound int, own bool) func([]byte) ([]byte, error) {
	return func(dst []byte) ([]byte, error) {
		if len(dst) != 0 || cap(dst) != bound {
			t.Fatalf("dst has length %d and capacity %d, want 0 and the bound %d", len(dst), cap(dst), bound)
		}
		if own {
			return bytes.Clone(msg), nil
		}
		return append(dst, msg...), nil
	}
}
