package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServer runs a listen server on 127.0.0.1 until the returned stop
// function is called; stop returns serve's result.
func startServer(t *testing.T, codecName string, maxSize int, echo bool) (addr string, stdout, stderr *syncBuffer, stop func() error) {
	t.Helper()
	c, err := codecByName(codecName)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr = new(syncBuffer), new(syncBuffer)
	s := newServer(&app{stdout: stdout, stderr: stderr}, *c, maxSize, echo)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.serve(ctx, ln) }()
	t.Cleanup(cancel)
	return ln.Addr().String(), stdout, stderr, func() error {
		cancel()
		return <-served
	}
}

// dialTCP connects to addr, closing the connection when the test ends.
func dialTCP(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(time.Minute)) // a hung test fails instead of waiting for go test's timeout
	t.Cleanup(func() { c.Close() })
	return c
}

// While one connection sits idle, another is echoed; a peer that sends an
// oversized frame loses its connection, with one line on stderr, and the
// others carry on; shutting down closes the idle connection.
func TestListenEchoServesConnectionsConcurrently(t *testing.T) {
	t.Parallel()
	addr, stdout, stderr, stop := startServer(t, "be16", 16, true)

	idle := dialTCP(t, addr)
	busy := frame.New[codec.BE16](dialTCP(t, addr))
	echo := func(msg string) {
		t.Helper()
		if err := busy.WriteMsg([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		got, err := busy.ReadMsg()
		if err != nil || string(got) != msg {
			t.Fatalf("echo of %q: got %q, %v", msg, got, err)
		}
	}
	echo("ping")

	bad := dialTCP(t, addr)
	if _, err := bad.Write(append([]byte{0, 17}, make([]byte, 17)...)); err != nil {
		t.Fatal(err)
	}
	if n, err := bad.Read(make([]byte, 1)); err == nil {
		t.Fatalf("the server answered an oversized frame with %d bytes instead of closing", n)
	}
	want := ": frame 1 at offset 0: message of 17 bytes exceeds the limit of 16 bytes\n"
	if got := stderr.String(); !strings.HasPrefix(got, "framecat listen: 127.0.0.1:") || !strings.HasSuffix(got, want) || strings.Count(got, "\n") != 1 {
		t.Errorf("stderr = %q, want one line ending %q", got, want)
	}
	echo("still here")

	if err := stop(); err != nil {
		t.Fatalf("serve after shutdown: %v", err)
	}
	if n, err := idle.Read(make([]byte, 1)); err == nil {
		t.Fatalf("idle connection read %d bytes after shutdown, want it closed", n)
	}
	if stdout.String() != "" {
		t.Errorf("an echo server printed %q", stdout.String())
	}
}

// Without -echo, messages from concurrent peers come out as whole lines,
// each after its sender's address, in each sender's order.
func TestListenPrintsWholeLinesFromConcurrentPeers(t *testing.T) {
	t.Parallel()
	addr, stdout, stderr, stop := startServer(t, "uvarint", 1<<10, false)
	const peers, messages = 4, 200
	local := make([]string, peers)
	var wg sync.WaitGroup
	for p := range peers {
		c := dialTCP(t, addr)
		local[p] = c.LocalAddr().String()
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := frame.New[codec.Uvarint](c, frame.WithWriteBuffer(512))
			for i := range messages {
				if err := f.WriteMsg([]byte(fmt.Sprintf("peer %d message %d %s", p, i, strings.Repeat("x", i)))); err != nil {
					t.Error(err)
					return
				}
			}
			if err := f.Flush(); err != nil {
				t.Error(err)
				return
			}
			// Half-close, then wait for the server to close: it has then
			// printed every message.
			if err := c.(*net.TCPConn).CloseWrite(); err != nil {
				t.Error(err)
				return
			}
			if rest, err := io.ReadAll(c); err != nil || len(rest) > 0 {
				t.Errorf("after half-close: read %q, %v; want a clean close", rest, err)
			}
		}()
	}
	wg.Wait()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	next := make(map[string]int) // peer address -> next message number
	for _, line := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
		from, msg, ok := strings.Cut(line, ": ")
		p := slices.Index(local, from)
		if !ok || p < 0 {
			t.Fatalf("line %q: not from a peer", line)
		}
		i := next[from]
		if want := fmt.Sprintf("peer %d message %d %s", p, i, strings.Repeat("x", i)); msg != want {
			t.Fatalf("line %q: want message %q", line, want)
		}
		next[from]++
	}
	for p, a := range local {
		if next[a] != messages {
			t.Errorf("peer %d: %d messages printed, want %d", p, next[a], messages)
		}
	}
	if stderr.String() != "" {
		t.Errorf("stderr = %q", stderr.String())
	}
}
