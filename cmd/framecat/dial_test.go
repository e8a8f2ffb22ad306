package main

import (
	"bytes"
	"io"
	"net"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// peerOnce accepts one connection on 127.0.0.1, runs serve on it and then
// resets it (SO_LINGER 0: the close sends RST, not FIN), as a peer that
// refuses what it was sent does. It returns the address to dial.
func peerOnce(t *testing.T, serve func(c net.Conn) error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
			return
		}
		c.SetDeadline(time.Now().Add(time.Minute)) // a hung test fails instead of waiting for go test's timeout
		if err := serve(c); err != nil {
			t.Error(err)
		}
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}()
	return ln.Addr().String()
}

// runDialOpen runs framecat dial with args while its stdin holds input and
// stays open, as a terminal's does, until dial has returned. It returns the
// exit status, stdout and stderr.
func runDialOpen(t *testing.T, input string, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	pr, pw := io.Pipe()
	go pw.Write([]byte(input)) // fails with io.ErrClosedPipe if dial ends before reading it all
	defer pw.Close()
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- (&app{stdin: pr, stdout: &out, stderr: &errOut}).main(append([]string{"dial"}, args...))
	}()
	select {
	case status = <-done:
	case <-time.After(time.Minute): // a guard against a hang, not a measurement
		t.Fatal("dial did not return within a minute of its peer's reset")
	}
	return status, out.String(), errOut.String()
}

// A peer that reads our frame and resets the connection, having sent
// nothing: dial says the peer reset it after our frame 1, and that the
// frame may have been over the peer's limit; it does not blame a frame it
// never received.
func TestDialSaysThePeerResetAfterOurFrame(t *testing.T) {
	t.Parallel()
	line := strings.Repeat("x", 1000)
	addr := peerOnce(t, func(c net.Conn) error {
		_, err := frame.New[codec.BE16](c).ReadMsg()
		return err
	})
	status, stdout, stderr := runDialOpen(t, line+"\n", "-codec", "be16", addr)
	want := "framecat dial: the peer reset the connection after we sent frame 1 (line 1 of stdin, 1000 bytes); " +
		"it sent nothing back, so it may have refused a frame over its limit\n"
	if status != 1 || stderr != want || stdout != "" {
		t.Errorf("status %d, stdout %q, stderr\n%q; want 1, nothing and\n%q", status, stdout, stderr, want)
	}
}

// A peer that answers our first frame and resets the connection after the
// second: dial prints the answer and counts both.
func TestDialSaysWhatWasSentAndReceivedBeforeAReset(t *testing.T) {
	t.Parallel()
	addr := peerOnce(t, func(c net.Conn) error {
		f := frame.New[codec.Uvarint](c)
		msg, err := f.ReadMsg()
		if err != nil {
			return err
		}
		if err := f.WriteMsg(msg); err != nil {
			return err
		}
		_, err = f.ReadMsg()
		return err
	})
	status, stdout, stderr := runDialOpen(t, "hello\r\n"+strings.Repeat("y", 300)+"\r\n", "-codec", "uvarint", addr)
	want := "framecat dial: the peer reset the connection after we sent frame 2 (line 2 of stdin, 300 bytes); it had sent 1 frame back\n"
	if status != 1 || stderr != want || stdout != "hello\n" {
		t.Errorf("status %d, stdout %q, stderr\n%q; want 1, %q and\n%q", status, stdout, stderr, "hello\n", want)
	}
}

// framecat listen with a -max below our line's size refuses the line by
// closing the connection with the line unread: a reset. Whether our write
// or our read meets the reset first depends on timing; either way dial
// names our frame and the likely cause.
func TestDialToAListenerWithASmallerLimit(t *testing.T) {
	t.Parallel()
	addr, listenOut, listenErr, stop := startServer(t, "be32", 4, false)
	const size = 200000 // over the listener's 64 KiB read-ahead: it cannot read the line before it closes
	status, stdout, stderr := runDialOpen(t, "ok\n"+strings.Repeat("z", size)+"\n", "-codec", "be32", addr)
	want := regexp.MustCompile(`^framecat dial: the peer (reset|closed) the connection (after|while) we sent frame 2 ` +
		`\(line 2 of stdin, 200000 bytes\); it sent nothing back, so it may have refused a frame over its limit\n$`)
	if status != 1 || !want.MatchString(stderr) || stdout != "" {
		t.Errorf("status %d, stdout %q, stderr\n%q; want 1, nothing and a match for\n%s", status, stdout, stderr, want)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got := listenErr.String(); !strings.HasSuffix(got, ": frame 2 at offset 6: message of 200000 bytes exceeds the limit of 4 bytes\n") {
		t.Errorf("listen's stderr = %q", got)
	}
	if got := listenOut.String(); !strings.HasSuffix(got, ": ok\n") {
		t.Errorf("listen's stdout = %q", got)
	}
}

// A bad frame from the peer is named as a frame received, not one of ours.
func TestDialNamesABadFrameItReceived(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(time.Minute))
		c.Write([]byte{0, 100}) // a header declaring 100 bytes
		io.Copy(io.Discard, c)  // until dial closes: a clean end, no reset
	}()
	var stdout, stderr bytes.Buffer
	status := (&app{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}).main(
		[]string{"dial", "-codec", "be16", "-max", "10", ln.Addr().String()})
	want := "framecat dial: received frame 1 at offset 0: message of 100 bytes exceeds the limit of 10 bytes\n"
	if status != 1 || stderr.String() != want {
		t.Errorf("status %d, stderr\n%q; want 1 and\n%q", status, stderr.String(), want)
	}
}

// The error names the frame, where in stdin it came from, its size in
// words, and what came back.
func TestPeerGoneErrorText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  *peerGoneError
		want string
	}{
		{&peerGoneError{cause: syscall.ECONNRESET, split: splitLines, sent: 3, size: 1},
			"the peer reset the connection after we sent frame 3 (line 3 of stdin, 1 byte); it sent nothing back, so it may have refused a frame over its limit"},
		{&peerGoneError{cause: syscall.EPIPE, split: splitNull, sending: 2, sent: 1, size: 70000, received: 1},
			"the peer closed the connection while we sent frame 2 (record 2 of stdin, 70000 bytes); it had sent 1 frame back"},
		{&peerGoneError{cause: syscall.ECONNRESET, split: splitWhole, sent: 1, size: 9, received: 2},
			"the peer reset the connection after we sent frame 1 (all of stdin, 9 bytes); it had sent 2 frames back"},
		{&peerGoneError{cause: syscall.ECONNRESET, split: splitLF},
			"the peer reset the connection before we sent a frame"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}
