package framekit_test

import (
	"fmt"
	"net"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// A client and a server exchanging varint-framed messages over TCP.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		f := frame.New[codec.Uvarint](c)
		defer f.Close()
		for msg, err := range f.Messages() {
			if err != nil || f.WriteMsg(append([]byte("echo: "), msg...)) != nil {
				return
			}
		}
	}()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	f := frame.New[codec.Uvarint](c, frame.WithMaxSize(1<<20))
	defer f.Close()
	f.WriteMsg([]byte("hello"))
	reply, err := f.ReadMsg()
	fmt.Printf("%s %v\n", reply, err)
	// Output: echo: hello <nil>
}
