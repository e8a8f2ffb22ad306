package testkit

import (
	"net"
	"testing"
)

// TCPPair returns the two ends of a TCP connection on the 127.0.0.1
// loopback: what one writes the other reads. Both are closed when tb's test
// ends (tb.Cleanup); closing them earlier is harmless. It fails tb if the
// connection cannot be made, so it must be called from tb's goroutine.
func TCPPair(tb testing.TB) (*net.TCPConn, *net.TCPConn) {
	tb.Helper()
	a, b, err := OpenTCPPair()
	if err != nil {
		tb.Fatalf("testkit: loopback TCP pair: %v", err)
	}
	tb.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// OpenTCPPair is TCPPair for code that has no test to fail where it runs,
// such as a frametest.MakePipe, which the harness calls from a goroutine of
// its own: it returns the error, and the caller closes both ends.
func OpenTCPPair() (*net.TCPConn, *net.TCPConn, error) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, nil, err
	}
	defer ln.Close() // also ends the Accept below if the Dial fails
	type accepted struct {
		c   *net.TCPConn
		err error
	}
	done := make(chan accepted, 1)
	go func() {
		c, err := ln.AcceptTCP()
		done <- accepted{c, err}
	}()
	a, err := net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
	if err != nil {
		return nil, nil, err
	}
	b := <-done
	if b.err != nil {
		a.Close()
		return nil, nil, b.err
	}
	return a, b.c, nil
}
