package interop

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
)

// checkTooLarge fails t unless err is our *errs.MessageTooLargeError with
// the given numbers.
func checkTooLarge(t tester, what string, err error, size, max int) {
	t.Helper()
	var tooLarge *errs.MessageTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Size != uint64(size) || tooLarge.Max != uint64(max) {
		t.Fatalf("%s: %v, want *errs.MessageTooLargeError{Size: %d, Max: %d}", what, err, size, max)
	}
}

// checkConnectionGone fails t unless err is how our taxonomy reports a peer
// that went away between messages: io.EOF for a close, an
// *errs.ConnectionClosedError for a reset or a broken pipe. A truncated
// frame (*errs.IncompleteReadError) would be wrong: nothing was sent back.
func checkConnectionGone(t *testing.T, what string, err error) {
	t.Helper()
	notHung(t, what, err)
	var closed *errs.ConnectionClosedError
	if err != io.EOF && !errors.As(err, &closed) {
		t.Fatalf("%s: %v, want io.EOF or an *errs.ConnectionClosedError", what, err)
	}
}

// TestTheirMessageAboveOurMaxFile: a Node-framed message one byte above our
// WithMaxSize is our typed error, after the messages before it.
func TestTheirMessageAboveOurMaxFile(t *testing.T) {
	t.Parallel()
	peer := startBatch(t)
	f := newFiles(t.TempDir())
	for _, max := range []int{1000, 1 << 20} {
		msgs := makeMessages(5, []int{max, max + 1, 5})
		for _, lib := range encodeLibs {
			stream := theirEncoding(t, peer, f, lib, msgs)
			for _, rb := range readBuffers {
				got, err := ourDecoding(stream, frame.WithMaxSize(max), frame.WithReadBuffer(rb))
				checkTooLarge(t, lib+" stream, message 1", err, max+1, max)
				if len(got) != 1 || !bytes.Equal(got[0], msgs[0]) {
					t.Fatalf("%s stream, max %d: read %d messages before the error, want message 0", lib, max, len(got))
				}
			}
		}
	}
}

// TestTheirMessageAboveOurMaxTCP: a Node client that sends a message above
// our server's limit gets our typed error on our side; the Node client, whose
// connection we close, ends with an error rather than hang.
func TestTheirMessageAboveOurMaxTCP(t *testing.T) {
	t.Parallel()
	const max = 1000
	addr, done := ourEchoServer(t, frame.WithMaxSize(max))
	msgs := makeMessages(6, []int{max, max + 1, 10})
	r, got := runClient(t, addr, msgs, 0)
	s := wait(t, done)
	if s.count != 1 {
		t.Fatalf("our server read %d messages before the oversized one, want 1", s.count)
	}
	checkTooLarge(t, "our server", s.err, max+1, max)
	// Our close resets the connection (the oversized body is unread), and a
	// reset may discard the echo before the client has read it.
	if r.Received > 1 || r.ReadError == nil || (r.Received == 1 && !bytes.Equal(got[0], msgs[0])) {
		t.Fatalf("node client: %+v (read error %v), want at most the first echo, then a read error", r, r.ReadError)
	}
}

// TestOurMessageAboveTheirMax: a Framer that sends a message above a Node
// server's maxDataLength sees a clean connection error (the server resets
// the stream), never a hang, and the server says it was its limit. Small: all
// of it fits in the socket buffers; large: more than they hold. A header
// longer than their limit's own header is refused as such.
func TestOurMessageAboveTheirMax(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		theirMax  int
		oversized int
		wantCode  string
	}{
		{"small", 1000, 1001, "ERR_MSG_DATA_TOO_LONG"},
		{"large", 1 << 16, 1<<21 - 1, "ERR_MSG_DATA_TOO_LONG"},       // a 3-byte header, as for 1<<16
		{"long header", 1 << 16, 4 << 20, "ERR_MSG_LENGTH_TOO_LONG"}, // a 4-byte header
	} {
		srv := startServer(t, tc.theirMax)
		f := dial(t, srv.addr)
		ok := makeMessages(7, []int{tc.theirMax})[0]
		if err := f.WriteMsg(ok); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got, err := f.ReadMsg(); err != nil || !bytes.Equal(got, ok) {
			notHung(t, tc.name+": echo", err)
			t.Fatalf("%s: echo of %d bytes: %d bytes, %v", tc.name, len(ok), len(got), err)
		}
		err := f.WriteMsg(make([]byte, tc.oversized))
		if err == nil {
			_, err = f.ReadMsg()
		}
		checkConnectionGone(t, tc.name+": after our oversized message", err)
		ev := srv.next(t)
		if ev.Event != "error" || ev.Error == nil || ev.Error.Code != tc.wantCode || ev.Count != 1 {
			t.Fatalf("%s: node server reported %+v (error %v), want %s after 1 message", tc.name, ev, ev.Error, tc.wantCode)
		}
		t.Logf("%s: %d bytes against their maxDataLength %d: our side got %v", tc.name, tc.oversized, tc.theirMax, err)
	}
}

// TestOurReplyAboveTheirClientMax: it-length-prefixed-stream's maxDataLength
// bounds its reads only. A Node client with a limit of 1000 sends 1001 bytes
// without complaint, our server echoes them, and the client's read of the
// echo throws ERR_MSG_DATA_TOO_LONG; our server sees the client go away
// cleanly.
func TestOurReplyAboveTheirClientMax(t *testing.T) {
	t.Parallel()
	const theirMax = 1000
	addr, done := ourEchoServer(t)
	msgs := makeMessages(8, []int{theirMax, theirMax + 1, 10})
	r, got := runClient(t, addr, msgs, theirMax)
	if r.Received != 1 || !bytes.Equal(got[0], msgs[0]) || r.ReadError == nil || r.ReadError.Code != "ERR_MSG_DATA_TOO_LONG" {
		t.Fatalf("node client: %+v (read error %v), want one echo, then ERR_MSG_DATA_TOO_LONG", r, r.ReadError)
	}
	if r.WriteError != nil {
		t.Fatalf("node client's writes failed (%v): it-length-prefixed-stream now limits writes too; update this test and HANDOFF.md", r.WriteError)
	}
	s := wait(t, done)
	if s.count < 2 {
		t.Fatalf("our server read %d messages, want the oversized one echoed", s.count)
	}
	if s.err != nil {
		checkConnectionGone(t, "our server after the client left", s.err)
	}
}

// TestDefaultLimits pins the limits each side applies when none is set: ours
// is 8 MiB, it-length-prefixed's 4 MiB both ways, it-length-prefixed-stream
// has none. A message of 4 MiB + 1 from a framekit peer with defaults is
// refused by it-length-prefixed's decoder.
func TestDefaultLimits(t *testing.T) {
	t.Parallel()
	if frame.DefaultMaxSize != 8<<20 {
		t.Fatalf("frame.DefaultMaxSize is %d; update this test and HANDOFF.md", frame.DefaultMaxSize)
	}
	peer := startBatch(t)
	f := newFiles(t.TempDir())
	const theirDefault = 4 << 20
	msgs := makeMessages(9, []int{theirDefault + 1})
	ours := ourEncoding(t, msgs, 0)

	writeMessages(t, f.msgs, msgs)
	if r := peer.do(t, command{Mode: "encode", Lib: "lp", In: f.msgs, Out: f.theirs}); r.Error == nil || r.Error.Code != "ERR_MSG_DATA_TOO_LONG" {
		t.Fatalf("node lp encode of %d bytes: %v, want ERR_MSG_DATA_TOO_LONG", theirDefault+1, r.Error)
	}
	if theirs := theirEncoding(t, peer, f, "stream", msgs); !bytes.Equal(theirs, ours) {
		t.Fatalf("node stream encode of %d bytes differs from ours", theirDefault+1)
	}
	got, r := theirDecoding(t, peer, f, "lp", ours, 0, 0)
	if len(got) != 0 || r.Error == nil || r.Error.Code != "ERR_MSG_DATA_TOO_LONG" {
		t.Fatalf("node lp decode of %d bytes: %d messages, %v; want ERR_MSG_DATA_TOO_LONG", theirDefault+1, len(got), r.Error)
	}
	got, r = theirDecoding(t, peer, f, "stream", ours, 0, 0)
	checkTheirCleanEnd(t, "stream", r)
	if d := sameMessages(got, msgs); d != "" {
		t.Fatalf("node stream decode of %d bytes: %s", theirDefault+1, d)
	}
	if got, err := ourDecoding(ours); err != nil || len(got) != 1 {
		t.Fatalf("our reader with defaults on %d bytes: %d messages, %v", theirDefault+1, len(got), err)
	}
}
