package main

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"io"

	"github.com/framekit/framekit/frame"
)

const decodeHelp = `
Decode reads frames in codec C from the input and writes their messages
to stdout, in one of four formats:

  lines  each message followed by a newline (the default)
  raw    the messages back to back, nothing added; each streams through
         as it arrives, in constant memory whatever its size, so the part
         of a truncated last frame that arrived is written too
  hex    each message in lowercase hex on a line of its own
  json   each message on a line of its own as a JSON string holding the
         message's bytes in standard base64 (JSON Lines; exact for any
         bytes; decode with jq's @base64d)

A truncated frame, a malformed header or a frame over -max stops decode
with an error naming the frame and its byte offset; the messages before it
have been written.

  framecat decode -codec uvarint -format hex frames.bin
`

// decodeFormats are the output formats of decode, by the names -format
// takes.
var decodeFormats = map[string]func(dst, msg []byte) []byte{
	"lines": func(dst, msg []byte) []byte { return append(append(dst, msg...), '\n') },
	"raw":   func(dst, msg []byte) []byte { return append(dst, msg...) },
	"hex":   func(dst, msg []byte) []byte { return append(hex.AppendEncode(dst, msg), '\n') },
	"json": func(dst, msg []byte) []byte {
		dst = append(dst, '"')
		return append(base64.StdEncoding.AppendEncode(dst, msg), '"', '\n')
	},
}

// runDecode is framecat decode.
func runDecode(a *app, cl *cmdline) error {
	format := cl.choice("format", "`FORMAT` of the output", "lines", "raw", "hex", "json")
	if err := a.parse(cl); err != nil {
		return err
	}
	c := cl.codec("codec")
	appendMsg := decodeFormats[*format]
	input, err := a.openInput(cl.operand())
	if err != nil {
		return err
	}
	defer input.Close()

	return a.withOutput(cl.Name(), func(out *bufio.Writer, p *progress) error {
		limit := cl.limit(c)
		in := c.newFramer(stream{r: countingReader{input, p}}, frame.WithMaxSize(limit), frame.WithMaxStreamSize(int64(limit)))
		if *format == "raw" {
			return decodeRaw(c, in.(frame.MsgStreamReader), out, p)
		}
		return decode(c, in, appendMsg, out, p)
	})
}

// decode writes every message read from in, a framer in codec c, to out,
// formatted by appendMsg.
func decode(c lengthCodec, in frame.MsgConn, appendMsg func(dst, msg []byte) []byte, out io.Writer, p *progress) error {
	var buf []byte
	return eachFrame(c, in, func(_ int, _ int64, msg []byte) error {
		buf = appendMsg(buf[:0], msg)
		_, err := out.Write(buf)
		p.addFrame()
		return err
	})
}

// decodeRaw writes the body of every frame read from in, a framer in codec
// c, to out as it arrives: it holds no whole message, whatever its size.
func decodeRaw(c lengthCodec, in frame.MsgStreamReader, out io.Writer, p *progress) error {
	var offset int64
	for index := 1; ; index++ {
		body, n, err := in.NextReader()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return frameError(index, offset, err)
		}
		src := &readError{r: body}
		if _, err := io.Copy(out, src); err != nil {
			if src.err != nil {
				return frameError(index, offset, src.err)
			}
			return err
		}
		p.addFrame()
		offset += int64(c.HeaderSize(uint64(n)) + n)
	}
}

// readError is a reader that keeps the error of r, to tell it from the
// writer's in an io.Copy.
type readError struct {
	r   io.Reader
	err error
}

func (e *readError) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}
