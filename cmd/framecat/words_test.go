package main

import (
	"fmt"
	"syscall"
	"testing"

	"github.com/framekit/framekit/errs"
)

func TestCount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		got, want string
	}{
		{count(0, "byte"), "0 bytes"},
		{count(1, "byte"), "1 byte"},
		{count(2, "byte"), "2 bytes"},
		{count(int64(1), "frame"), "1 frame"},
		{count(uint64(18446744073709551615), "byte"), "18446744073709551615 bytes"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// Every message that counts bytes says "1 byte", never "1 bytes".
func TestDescribeCountsInWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&errs.MessageTooLargeError{Size: 1, Max: 0}, "message of 1 byte exceeds the limit of 0 bytes"},
		{&errs.MessageTooLargeError{Size: 2, Max: 1}, "message of 2 bytes exceeds the limit of 1 byte"},
		{&errs.IncompleteReadError{Expected: 1, Received: 0, Part: errs.ErrMissingMessage}, "truncated message body: expected 1 byte, got 0"},
		{&errs.IncompleteReadError{Expected: 2, Received: 1, Part: errs.ErrMissingLength}, "truncated length header: expected 2 bytes, got 1"},
		{fmt.Errorf("reading: %w", &errs.ConnectionClosedError{Transport: "tcp", Err: syscall.ECONNRESET}), "the peer reset the connection"},
	} {
		if got := describe(tc.err); got != tc.want {
			t.Errorf("describe(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
