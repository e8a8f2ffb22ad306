package codec_test

import (
	"fmt"

	"github.com/framekit/framekit/codec"
)

func Example() {
	var c codec.Uvarint
	hdr := c.AppendLength(nil, 300)
	fmt.Printf("header % x, %d bytes\n", hdr, c.HeaderSize(300))

	n, size, err := c.DecodeLength(append(hdr, "body..."...))
	fmt.Println(n, size, err)

	_, need, err := c.DecodeLength(hdr[:1])
	fmt.Println(need, err == codec.ErrShortHeader)
	// Output:
	// header ac 02, 2 bytes
	// 300 2 <nil>
	// 2 true
}

func ExampleBE16() {
	var c codec.BE16
	fmt.Println(c, c.MaxLength())
	fmt.Printf("% x\n", c.AppendLength(nil, 1000))
	// Output:
	// be16 65535
	// 03 e8
}
