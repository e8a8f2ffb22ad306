package layout_test

import (
	"fmt"
	"net"

	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/layout"
)

// A PostgreSQL server's first answer to a client that asked for SSL: one
// unframed byte, then typed messages whose length counts itself.
func Example_postgres() {
	server, client := net.Pipe()
	go func() {
		f := frame.NewWithLayout(server, layout.Postgres)
		defer f.Close()
		f.WriteUnframed([]byte("N"))                                        // no SSL: a byte outside the framing
		f.WriteFrame(frame.Header{Fields: []byte("R")}, []byte{0, 0, 0, 0}) // AuthenticationOk
		f.WriteFrame(frame.Header{Fields: []byte("Z")}, []byte("I"))        // ReadyForQuery, idle
	}()

	f := frame.NewWithLayout(client, layout.Postgres)
	defer f.Close()
	answer := make([]byte, 1)
	if _, err := f.ReadUnframed(answer); err != nil {
		panic(err)
	}
	fmt.Printf("SSL: %s\n", answer)
	for h, body, err := f.ReadFrameView(); err == nil; h, body, err = f.ReadFrameView() {
		fmt.Printf("%s, %d-byte body\n", layout.Postgres.Format(h), len(body))
	}
	// Output:
	// SSL: N
	// type='R', 4-byte body
	// type='Z', 1-byte body
}

// A preset chosen at run time, as a tool does: the fields of an HTTP/2 frame.
func ExampleLookup() {
	p, err := layout.Lookup("http2")
	if err != nil {
		panic(err)
	}
	ping := frame.Header{Fields: []byte{6, 0, 0, 0, 0, 0}}
	wire, err := p.AppendFrame(nil, ping, []byte("12345678"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n%s\n", wire[:9], p.Format(ping))
	// Output:
	// 00 00 08 06 00 00 00 00 00
	// type=6 flags=0x0 stream=0
}
