package main

import (
	"io"
	"net"

	"github.com/framekit/framekit/frame"
)

const dialHelp = `
Dial connects to ADDR over TCP and sends each line of stdin, without its
line ending, as a frame in codec C, while it prints every frame it
receives as a line on stdout. -split cuts stdin as in encode (lines, the
default, drops a \r before the \n; lf keeps it). When stdin ends it half-closes the connection (its
write side) and goes on printing until the peer closes. A line over -max
or a bad frame from the peer ends it with an error.

  printf 'hello\nworld\n' | framecat dial -codec uvarint 127.0.0.1:7000
`

// runDial is framecat dial.
func runDial(a *app, cl *cmdline) error {
	split := cl.addSplitFlag()
	if err := a.parse(cl); err != nil {
		return err
	}
	c := cl.codec("codec")
	conn, err := net.Dial("tcp", cl.operand())
	if err != nil {
		return err
	}
	maxMsg := cl.limit(c)
	f := c.newFramer(conn, frame.WithMaxSize(maxMsg))
	defer f.Close()

	sent := make(chan error, 1)
	go func() {
		err := send(newSplitter(a.stdin, *split, maxMsg), f)
		sent <- err
		if err != nil {
			f.Close() // unblock the receiving side: Close never waits for it
		}
	}()
	var line []byte
	err = eachFrame(c, f, func(_ int, _ int64, msg []byte) error {
		line = append(append(line[:0], msg...), '\n')
		_, err := a.stdout.Write(line)
		return err
	})
	select {
	case serr := <-sent:
		if serr != nil {
			return serr // the cause; err is only its consequence
		}
	default: // the peer closed while stdin was still open: we are done
	}
	return err
}

// send writes every message of in to f, then half-closes it.
func send(in *splitter, f frame.MsgConn) error {
	for {
		msg, err := in.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := f.WriteMsg(msg); err != nil {
			return messageError(in.index, in.start, err)
		}
	}
	return f.CloseWrite()
}
