package frame_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
)

func Example() {
	client, server := net.Pipe()
	go func() {
		f := frame.New[codec.Uvarint](server)
		defer f.Close()
		for msg, err := range f.Messages() { // echo every message back
			if err != nil || f.WriteMsg(msg) != nil {
				return
			}
		}
	}()

	f := frame.New[codec.Uvarint](client, frame.WithMaxSize(1<<20))
	defer f.Close()
	for _, m := range []string{"hello", "", "world"} {
		if err := f.WriteMsg([]byte(m)); err != nil {
			panic(err)
		}
		reply, err := f.ReadMsg()
		fmt.Printf("%q %v\n", reply, err)
	}
	// Output:
	// "hello" <nil>
	// "" <nil>
	// "world" <nil>
}

func ExampleFramer_ReadMsgView() {
	wire, _ := frame.AppendFrame[codec.BE16](nil, []byte("first"))
	wire, _ = frame.AppendFrame[codec.BE16](wire, []byte("second"))
	f := frame.New[codec.BE16](struct {
		io.Reader
		io.WriteCloser
	}{bytes.NewReader(wire), nil})

	for {
		view, err := f.ReadMsgView() // valid until the next read: no copy
		if err == io.EOF {
			break
		}
		fmt.Printf("%s\n", view)
	}
	// Output:
	// first
	// second
}

func ExampleWithMaxSize() {
	// A peer declares a 1 GiB message; nothing is allocated for it.
	wire := codec.BE32{}.AppendLength(nil, 1<<30)
	f := frame.New[codec.BE32](struct {
		io.Reader
		io.WriteCloser
	}{bytes.NewReader(wire), nil}, frame.WithMaxSize(64<<10))

	_, err := f.ReadMsg()
	var tooLarge *errs.MessageTooLargeError
	if errors.As(err, &tooLarge) {
		fmt.Println(tooLarge.Size, tooLarge.Max)
	}
	fmt.Println(err)
	// Output:
	// 1073741824 65536
	// framekit: message too large: 1073741824 bytes exceeds the limit of 65536
}

func ExampleWithWriteBuffer() {
	client, server := net.Pipe()
	go func() {
		f := frame.New[codec.BE32](client, frame.WithWriteBuffer(4096))
		for i := 0; i < 3; i++ {
			f.WriteMsg([]byte(fmt.Sprint("batched ", i))) // waits in the buffer
		}
		f.Close() // flushes the three frames in one write, then closes
	}()
	f := frame.New[codec.BE32](server)
	for msg, err := range f.Messages() {
		fmt.Printf("%s %v\n", msg, err)
	}
	// Output:
	// batched 0 <nil>
	// batched 1 <nil>
	// batched 2 <nil>
}

func ExampleAppendFrame() {
	wire, err := frame.AppendFrame[codec.Uvarint](nil, []byte("hi"))
	fmt.Printf("% x %v\n", wire, err)

	n, err := frame.ReadLength[codec.Uvarint](bytes.NewReader(wire))
	fmt.Println(n, err)
	// Output:
	// 02 68 69 <nil>
	// 2 <nil>
}

func ExampleWithReadBuffer() {
	// Exact mode: after the greeting frame, the stream carries another
	// protocol, and the Framer must not read into it.
	wire, _ := frame.AppendFrame[codec.Uvarint](nil, []byte("/raw/1.0.0"))
	stream := bytes.NewReader(append(wire, "raw bytes"...))
	f := frame.New[codec.Uvarint](struct {
		io.Reader
		io.WriteCloser
	}{stream, nil}, frame.WithReadBuffer(0))

	protocol, _ := f.ReadMsg()
	rest, _ := io.ReadAll(stream)
	fmt.Printf("%s then %q\n", protocol, rest)
	// Output:
	// /raw/1.0.0 then "raw bytes"
}

// A record marshalled straight into the frame that goes out: its fields are
// appended to the Framer's own buffer behind the header, with no buffer of
// the caller's and no copy. A layer above a Framer (an encrypter, a protobuf
// marshaller) writes the same way.
func ExampleFramer_WriteMsgFunc() {
	var wire bytes.Buffer
	f := frame.New[codec.Uvarint](struct {
		io.Reader
		io.Writer
		io.Closer
	}{nil, &wire, io.NopCloser(nil)})

	id, name := uint64(300), "alice"
	maxLen := binary.MaxVarintLen64 + len(name) // a bound: the body may be shorter
	err := f.WriteMsgFunc(maxLen, func(dst []byte) ([]byte, error) {
		dst = binary.AppendUvarint(dst, id)
		return append(dst, name...), nil
	})
	fmt.Printf("% x %v\n", wire.Bytes(), err)
	// Output:
	// 07 ac 02 61 6c 69 63 65 <nil>
}

// A client of an echo server on 127.0.0.1: it sends its messages, says it
// has no more with CloseWrite, and reads the replies until the server
// closes. Without the half-close the server would wait for more and the
// loop would never end.
func ExampleFramer_CloseWrite() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go func() { // the echo server: bytes back as they come, then close
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c)
		c.Close()
	}()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	f := frame.New[codec.Uvarint](c, frame.WithMaxSize(1<<20))
	defer f.Close()
	for _, m := range []string{"hello", "world"} {
		if err := f.WriteMsg([]byte(m)); err != nil {
			panic(err)
		}
	}
	if err := f.CloseWrite(); err != nil { // no more requests: the server reads io.EOF
		panic(err)
	}
	for msg, err := range f.Messages() { // until the server closes; each msg valid until the next
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s\n", msg)
	}
	// Output:
	// hello
	// world
}

// A read that gives up when its context ends, without closing the
// connection: the next read goes on where it stopped.
func ExampleReadContext() {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	f := frame.New[codec.Uvarint](client)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := frame.ReadContext(ctx, f, f.ReadMsg) // nobody writes: the context ends first
	fmt.Println(errors.Is(err, context.DeadlineExceeded))

	go frame.New[codec.Uvarint](server).WriteMsg([]byte("late"))
	msg, err := frame.ReadContext(context.Background(), f, f.ReadMsg)
	fmt.Printf("%s %v\n", msg, err)
	// Output:
	// true
	// late <nil>
}

// WriteMsgs sends a group of messages under one acquisition of the write
// lock: with a write buffer, the cheaper way to send many small messages,
// and no other writer's frame comes between them.
func ExampleFramer_WriteMsgs() {
	var wire bytes.Buffer
	f := frame.New[codec.BE16](struct {
		io.Reader
		io.Writer
		io.Closer
	}{nil, &wire, io.NopCloser(nil)}, frame.WithWriteBuffer(4096))
	n, err := f.WriteMsgs([]byte("one"), []byte("two"), []byte("three"))
	fmt.Println(n, err)
	if err := f.Flush(); err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", wire.Bytes())
	// Output:
	// 3 <nil>
	// 00 03 6f 6e 65 00 03 74 77 6f 00 05 74 68 72 65 65
}

func ExampleFramer_NextReader() {
	// Whole messages are capped at 1 KiB, streamed ones at 4 GiB.
	client, server := net.Pipe()
	opts := []frame.Option{frame.WithMaxSize(1 << 10), frame.WithMaxStreamSize(4 << 30)}
	go func() {
		f := frame.New[codec.BE32](client, opts...)
		defer f.Close()
		f.WriteMsg([]byte("upload"))
		upload := strings.NewReader(strings.Repeat("0123456789", 10000)) // a file, say
		f.WriteMsgFrom(upload, upload.Len())
	}()

	f := frame.New[codec.BE32](server, opts...)
	defer f.Close()
	verb, _ := f.ReadMsg()
	body, n, err := f.NextReader() // body is valid until the next read call
	if err != nil {
		panic(err)
	}
	h := sha256.New()
	copied, err := io.Copy(h, body) // in constant memory, whatever n is
	fmt.Printf("%s: %d of %d bytes, %v, sha256 %x…\n", verb, copied, n, err, h.Sum(nil)[:4])
	// Output: upload: 100000 of 100000 bytes, <nil>, sha256 aca9e593…
}

// A header layout of one's own: a two-byte message type, then a
// little-endian length that counts the whole frame, header included.
func ExampleNewLayout() {
	lay, err := frame.NewLayout[codec.LE32](frame.LayoutSpec{
		Name:   "myproto",
		Before: []frame.Field{{Name: "type", Size: 2}},
		Counts: frame.CountsFrame,
	})
	if err != nil {
		panic(err)
	}
	client, server := net.Pipe()
	go func() {
		f := frame.NewWithLayout(client, lay)
		defer f.Close()
		f.WriteFrame(frame.Header{Fields: []byte{0, 7}}, []byte("hello"))
	}()
	f := frame.NewWithLayout(server, lay)
	defer f.Close()
	h, body, err := f.ReadFrame()
	if err != nil {
		panic(err)
	}
	wire, _ := lay.AppendFrame(nil, h, body)
	fmt.Printf("%s %q\n% x\n", lay.Format(h), body, wire)

	// A combination that cannot work is refused when the layout is built.
	_, err = frame.NewLayout[codec.Uvarint](frame.LayoutSpec{Counts: frame.CountsFrame})
	fmt.Println(err)
	// Output:
	// type=7 "hello"
	// 00 07 0b 00 00 00 68 65 6c 6c 6f
	// frame: layout uvarint: a length that counts its own field needs a fixed-width field, and uvarint's width depends on the value
}
