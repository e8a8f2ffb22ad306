package errs_test

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/framekit/framekit/errs"
)

func TestTree(t *testing.T) {
	cases := []struct {
		err      error
		matches  []error
		excludes []error
	}{
		{errs.ErrMsgio, []error{errs.ErrIO}, []error{errs.ErrConnectionClosed}},
		{errs.ErrDecryptionFailed, []error{errs.ErrMsgio, errs.ErrIO}, []error{errs.ErrMessageTooLarge}},
		{errs.ErrNonceExhausted, []error{errs.ErrMsgio, errs.ErrIO}, []error{errs.ErrDecryptionFailed}},
		{&errs.MessageTooLargeError{Size: 10, Max: 5}, []error{errs.ErrMessageTooLarge, errs.ErrMsgio, errs.ErrIO}, []error{io.ErrUnexpectedEOF}},
		{&errs.IncompleteReadError{Expected: 4, Received: 1, Part: errs.ErrMissingLength},
			[]error{errs.ErrMissingLength, errs.ErrMsgio, errs.ErrIncompleteRead, errs.ErrIO, io.ErrUnexpectedEOF},
			[]error{errs.ErrMissingMessage, io.EOF}},
		{&errs.IncompleteReadError{Expected: 4, Received: 1},
			[]error{errs.ErrIncompleteRead, errs.ErrIO, io.ErrUnexpectedEOF},
			[]error{errs.ErrMsgio, errs.ErrMissingLength, errs.ErrMissingMessage}},
		{&errs.ConnectionClosedError{Transport: "tcp", Err: syscall.ECONNRESET},
			[]error{errs.ErrConnectionClosed, errs.ErrIO, syscall.ECONNRESET}, []error{errs.ErrMsgio, net.ErrClosed}},
		{&errs.MalformedLengthError{Codec: "uvarint", Err: io.ErrNoProgress},
			[]error{errs.ErrMalformedLength, errs.ErrMsgio, errs.ErrIO, io.ErrNoProgress}, []error{errs.ErrMessageTooLarge}},
	}
	for _, c := range cases {
		for _, m := range c.matches {
			if !errors.Is(c.err, m) {
				t.Errorf("%v does not match %v", c.err, m)
			}
		}
		for _, x := range c.excludes {
			if errors.Is(c.err, x) {
				t.Errorf("%v matches %v", c.err, x)
			}
		}
	}
}

func TestAsPointers(t *testing.T) {
	var err error = &errs.MessageTooLargeError{Size: 9, Max: 8}
	var tl *errs.MessageTooLargeError
	if !errors.As(err, &tl) || tl.Size != 9 || tl.Max != 8 {
		t.Fatalf("errors.As: %v", tl)
	}
	err = &errs.ConnectionClosedError{Err: &errs.IncompleteReadError{Expected: 3}}
	var ir *errs.IncompleteReadError
	if !errors.As(err, &ir) || ir.Expected != 3 {
		t.Fatal("errors.As does not find an IncompleteReadError inside a ConnectionClosedError")
	}
}

func TestText(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&errs.MessageTooLargeError{Size: 70000, Max: 65535}, "framekit: message too large: 70000 bytes exceeds the limit of 65535"},
		{&errs.IncompleteReadError{Expected: 10, Received: 3, Part: errs.ErrMissingMessage},
			"framekit: stream ended inside a message body: expected 10 bytes but received 3"},
		{&errs.IncompleteReadError{Expected: 4, Received: 2, Part: errs.ErrMissingLength, Transport: "tcp", Age: 3200 * time.Millisecond},
			"framekit: stream ended inside a length header: expected 4 bytes but received 2 (transport tcp, after 3.2s)"},
		{&errs.IncompleteReadError{Expected: 5, Received: 0}, "framekit: stream ended during read: expected 5 bytes but received 0"},
		{&errs.ConnectionClosedError{Code: 1006, Reason: "abnormal closure", Transport: "ws", Age: time.Second, Err: syscall.ECONNRESET},
			"framekit: connection closed: abnormal closure (code 1006) (transport ws, after 1.0s): " + syscall.ECONNRESET.Error()},
		{&errs.ConnectionClosedError{}, "framekit: connection closed"},
		{&errs.MalformedLengthError{Codec: "uvarint", Err: errors.New("varint not minimally encoded")},
			"framekit: malformed uvarint length header: varint not minimally encoded"},
		{errs.ErrDecryptionFailed, "framekit: decryption failed"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
		if s := c.err.Error(); strings.ToLower(s) != s && !strings.Contains(s, "ECONNRESET") {
			t.Errorf("%q is not lower case", s)
		}
	}
}

func TestIsCleanClose(t *testing.T) {
	if !(&errs.IncompleteReadError{Expected: 5}).IsCleanClose() {
		t.Error("nothing received is a clean close")
	}
	if (&errs.IncompleteReadError{Expected: 5, Received: 1}).IsCleanClose() {
		t.Error("one byte received is not a clean close")
	}
}
