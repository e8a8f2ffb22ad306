package pb_test

import (
	"fmt"
	"net"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/pb"
	"github.com/framekit/framekit/pb/internal/testpb"
)

// An identify-style exchange over TCP on 127.0.0.1, in the wire format of
// go-libp2p's identify (uvarint-delimited protobufs): as the connection
// opens, each side sends what it is and what it speaks, and reads the
// other's.
func Example_identify() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()

	// The listening side sends first, with the address it sees the dialler at.
	heard := make(chan *testpb.Identify, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			panic(err)
		}
		f := frame.New[codec.Uvarint](c, frame.WithMaxSize(8<<10)) // identify messages are small
		defer f.Close()
		err = pb.Write(f, &testpb.Identify{
			ProtocolVersion: "ipfs/0.1.0",
			AgentVersion:    "listener/1.0",
			ListenAddrs:     [][]byte{[]byte("/ip4/127.0.0.1/tcp/4001")},
			ObservedAddr:    []byte(c.RemoteAddr().String()),
			Protocols:       []string{"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"},
		})
		if err != nil {
			panic(err)
		}
		theirs := new(testpb.Identify)
		if err := pb.Read(f, theirs); err != nil {
			panic(err)
		}
		heard <- theirs
	}()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	f := frame.New[codec.Uvarint](c, frame.WithMaxSize(8<<10))
	defer f.Close()
	theirs := new(testpb.Identify)
	if err := pb.Read(f, theirs); err != nil {
		panic(err)
	}
	fmt.Printf("dialler heard %s (%s): listens on %s, speaks %v\n",
		theirs.AgentVersion, theirs.ProtocolVersion, theirs.ListenAddrs[0], theirs.Protocols)
	fmt.Println("dialler is seen at its own address:", string(theirs.ObservedAddr) == c.LocalAddr().String())
	err = pb.Write(f, &testpb.Identify{
		ProtocolVersion: "ipfs/0.1.0",
		AgentVersion:    "dialler/1.0",
		Protocols:       []string{"/ipfs/id/1.0.0"},
	})
	if err != nil {
		panic(err)
	}
	mine := <-heard
	fmt.Printf("listener heard %s (%s): speaks %v\n", mine.AgentVersion, mine.ProtocolVersion, mine.Protocols)
	// Output:
	// dialler heard listener/1.0 (ipfs/0.1.0): listens on /ip4/127.0.0.1/tcp/4001, speaks [/ipfs/id/1.0.0 /ipfs/ping/1.0.0]
	// dialler is seen at its own address: true
	// listener heard dialler/1.0 (ipfs/0.1.0): speaks [/ipfs/id/1.0.0]
}
