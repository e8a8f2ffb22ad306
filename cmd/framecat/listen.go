package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/framekit/framekit/frame"
)

const listenHelp = `
Listen accepts TCP connections on ADDR until it is interrupted (SIGINT or
SIGTERM), serving each one concurrently. It prints every message it
receives on stdout, one per line after the peer's address, or with -echo
sends each one back to its sender instead. Once it is listening it prints
"listening on HOST:PORT" on stderr, so ADDR may ask for any free port
(127.0.0.1:0). A bad frame from a peer, one over -max among them, is
reported on stderr and ends that connection only.

  framecat listen -codec uvarint -echo 127.0.0.1:7000
`

// runListen is framecat listen.
func runListen(a *app, cl *cmdline) error {
	echo := cl.Bool("echo", false, "send each message back to its sender instead of printing it")
	if err := a.parse(cl); err != nil {
		return err
	}
	c := cl.codec("codec")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", cl.operand())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "listening on %s\n", ln.Addr())
	return newServer(a, c, cl.limit(c), *echo).serve(ctx, ln)
}

// newServer returns a server for listen, framing in codec c messages of at
// most max bytes, echoing them if echo is set and else printing them.
func newServer(a *app, c lengthCodec, max int, echo bool) *server {
	return &server{a: a, codec: c, max: max, echo: echo, conns: make(map[net.Conn]struct{})}
}

// server is a running listen command.
type server struct {
	a     *app
	codec lengthCodec
	max   int
	echo  bool

	outMu sync.Mutex // one line at a time on stdout and stderr

	mu      sync.Mutex
	conns   map[net.Conn]struct{} // open connections, closed on shutdown
	closing bool

	wg sync.WaitGroup // connection handlers
}

// serve accepts connections on ln until ctx is done, then closes ln and
// every connection and waits for their handlers.
func (s *server) serve(ctx context.Context, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	var err error
	for {
		var c net.Conn
		c, err = ln.Accept()
		if err != nil {
			break
		}
		if !s.track(c) {
			c.Close()
			break
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(c)
		}()
	}
	s.shutdown()
	s.wg.Wait()
	if ctx.Err() != nil {
		return nil // interrupted: the way listen is meant to end
	}
	ln.Close()
	return err
}

// handle serves one connection until the peer closes it, it sends a bad
// frame, or the server shuts down.
func (s *server) handle(c net.Conn) {
	defer s.untrack(c)
	f := s.codec.newFramer(c, frame.WithMaxSize(s.max))
	defer f.Close()
	peer := c.RemoteAddr().String()
	var line []byte
	err := eachFrame(s.codec, f, func(index int, offset int64, msg []byte) error {
		if s.echo {
			if err := f.WriteMsg(msg); err != nil {
				return &inputError{unit: "echo of frame", index: index, offset: offset, err: err}
			}
			return nil
		}
		line = append(append(append(line[:0], peer...), ": "...), msg...)
		return s.write(append(line, '\n'))
	})
	if err != nil && !s.isClosing() && !errors.Is(err, net.ErrClosed) {
		s.outMu.Lock()
		fmt.Fprintf(s.a.stderr, "framecat listen: %s: %v\n", peer, err)
		s.outMu.Unlock()
	}
}

// write puts one line on stdout, never interleaved with another.
func (s *server) write(line []byte) error {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	_, err := s.a.stdout.Write(line)
	return err
}

// track records c as open, unless the server is shutting down: then it
// reports false and c is for the caller to close.
func (s *server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// untrack forgets c once its handler is done with it.
func (s *server) untrack(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// isClosing reports whether shutdown has begun.
func (s *server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// shutdown closes every open connection, which ends their handlers.
func (s *server) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	for c := range s.conns {
		c.Close()
	}
}
