package conn_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"

	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/errs"
)

func ExampleNewTCPStream() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	go func() { // a server that answers a request in upper case, then closes
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		req, err := io.ReadAll(c) // up to the client's half-close
		if err != nil {
			return
		}
		_, _ = c.Write(bytes.ToUpper(req))
	}()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	s := conn.NewTCPStream(c)
	if _, err := s.Write([]byte("hello")); err != nil {
		log.Fatal(err)
	}
	if err := s.CloseWrite(); err != nil { // the server reads io.EOF; we can still read
		log.Fatal(err)
	}
	reply, err := io.ReadAll(s)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("reply: %s\n", reply)
	fmt.Println("transport:", s.ConnState().Transport)

	if err := s.Close(); err != nil {
		log.Fatal(err)
	}
	addr, _ := s.RemoteAddress() // still known after Close
	fmt.Println("peer is loopback:", addr.Addr().IsLoopback())
	_, err = s.Write([]byte("late"))
	fmt.Println("write after close:", errors.Is(err, net.ErrClosed), errors.Is(err, errs.ErrConnectionClosed))
	// Output:
	// reply: HELLO
	// transport: tcp
	// peer is loopback: true
	// write after close: true true
}

func ExampleReadExactly() {
	r := strings.NewReader("hello, world")
	b, err := conn.ReadExactly(r, 5)
	fmt.Printf("%q %v\n", b, err)

	b, err = conn.ReadExactly(r, 10) // only 7 bytes are left
	var short *errs.IncompleteReadError
	if errors.As(err, &short) {
		fmt.Printf("%q: expected %d, received %d, unexpected EOF %v\n",
			b, short.Expected, short.Received, errors.Is(err, io.ErrUnexpectedEOF))
	}
	fmt.Println(err)
	// Output:
	// "hello" <nil>
	// ", world": expected 10, received 7, unexpected EOF true
	// framekit: stream ended during read: expected 10 bytes but received 7
}
