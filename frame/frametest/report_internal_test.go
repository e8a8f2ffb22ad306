package frametest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/framekit/framekit/errs"
)

// failWith is a MsgWriter that answers every write with err.
type failWith struct{ err error }

func (f failWith) WriteMsg([]byte) error { return f.err }

// The limit check must tell a layer's author exactly what its oversized
// write got wrong, with the sizes involved, and pass only the right error.
func TestWriteOversizedNamesTheFault(t *testing.T) {
	const maxSize = 300
	for _, tc := range []struct {
		name string
		err  error
		want string // "" for a pass
	}{
		{"accepted", nil,
			"WriteMsg of 301 bytes: got error <nil>, want one matching errs.ErrMessageTooLarge"},
		{"other error", errors.New("refused"),
			"WriteMsg of 301 bytes: got error refused, want one matching errs.ErrMessageTooLarge"},
		{"sentinel only", fmt.Errorf("layer: %w", errs.ErrMessageTooLarge),
			"WriteMsg of 301 bytes: error layer: framekit: message too large has no *errs.MessageTooLargeError in its chain"},
		{"wrong size", &errs.MessageTooLargeError{Size: maxSize, Max: maxSize},
			"WriteMsg of 301 bytes: got MessageTooLargeError{Size: 300, Max: 300}, want {Size: 301, Max: 300}"},
		{"wrong limit", &errs.MessageTooLargeError{Size: maxSize + 1, Max: maxSize + 1},
			"WriteMsg of 301 bytes: got MessageTooLargeError{Size: 301, Max: 301}, want {Size: 301, Max: 300}"},
		{"right, wrapped", fmt.Errorf("layer: %w", &errs.MessageTooLargeError{Size: maxSize + 1, Max: maxSize}), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := writeOversized(failWith{tc.err}, maxSize)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("writeOversized reported %q, want %q", got, tc.want)
			}
		})
	}
}

// Failure reports point at the first differing byte, and say nothing when
// one slice is a prefix of the other: the lengths already tell.
func TestFirstDiff(t *testing.T) {
	for _, tc := range []struct {
		a, b []byte
		want string
	}{
		{[]byte{1, 2, 3}, []byte{1, 2, 4}, "; first difference at byte 2: 0x03, want 0x04"},
		{[]byte{9}, []byte{8, 2}, "; first difference at byte 0: 0x09, want 0x08"},
		{[]byte{1, 2}, []byte{1, 2, 3}, ""},
		{[]byte{1, 2}, []byte{1, 2}, ""},
		{nil, []byte{1}, ""},
	} {
		if got := firstDiff(tc.a, tc.b); got != tc.want {
			t.Errorf("firstDiff(%v, %v) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}
