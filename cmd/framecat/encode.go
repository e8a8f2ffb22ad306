package main

import (
	"bufio"
	"io"
)

const encodeHelp = `
Encode reads stdin, cuts it into messages and writes each one to stdout
as a frame: its length header in codec C, then its bytes.

-split lines (the default) makes a message of every line without its
newline; a final line without a newline is still a message. -split null
does the same with NUL-terminated records, and -split whole makes all of
stdin one message. A message over -max, or over what the codec carries
(255 bytes for be8), is an error naming the message and its size.

  printf 'hello\nworld\n' | framecat encode -codec uvarint > frames.bin
`

// runEncode is framecat encode.
func runEncode(a *app, cl *cmdline) error {
	split := cl.choice("split", "`MODE`: how stdin is cut into messages", splitLines, splitNull, splitWhole)
	if err := a.parse(cl); err != nil {
		return err
	}
	c := cl.codec("codec")

	return a.withOutput(cl.Name(), func(out *bufio.Writer, p *progress) error {
		return encode(newSplitter(countingReader{a.stdin, p}, *split, cl.limit(c)), c, out, p)
	})
}

// encode writes every message of in to out as a frame in codec c.
func encode(in *splitter, c lengthCodec, out io.Writer, p *progress) error {
	var buf []byte
	for {
		msg, err := in.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if buf, err = c.appendFrame(buf[:0], msg); err != nil {
			return messageError(in.index, in.start, err)
		}
		if _, err := out.Write(buf); err != nil {
			return err
		}
		p.addFrame()
	}
}
