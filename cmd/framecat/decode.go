package main

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"io"

	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/layout"
)

const decodeHelp = `
Decode reads frames in codec C, or of protocol layout NAME, from the input
and writes their messages to stdout, in one of four formats:

  lines  each message followed by a newline (the default)
  raw    the messages back to back, nothing added; each streams through
         as it arrives, in constant memory whatever its size, so the part
         of a truncated last frame that arrived is written too
  hex    each message in lowercase hex on a line of its own
  json   each message on a line of its own as a JSON string holding the
         message's bytes in standard base64 (JSON Lines; exact for any
         bytes; decode with jq's @base64d)

Under -layout a message is a frame's body: its header fields and trailer
are checked and dropped (inspect shows them). -skip N passes over N bytes
before the first frame that are not framed, such as HTTP/2's client
preface; an input shorter than that is an error.

A truncated frame, a malformed header or a frame over -max stops decode
with an error naming the frame and its byte offset; the messages before it
have been written.

  framecat decode -codec uvarint -format hex frames.bin
  framecat decode -layout http2 -skip 24 -format hex client.bin
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
	skip := cl.addSkipFlag()
	if err := a.parse(cl); err != nil {
		return err
	}
	p := cl.framing("codec")
	appendMsg := decodeFormats[*format]
	input, err := a.openInput(cl.operand())
	if err != nil {
		return err
	}
	defer input.Close()

	err = a.withOutput(cl.Name(), func(out *bufio.Writer, prog *progress) error {
		limit := cl.bodyLimit(p)
		in := p.New(stream{r: countingReader{input, prog}}, frame.WithMaxSize(limit), frame.WithMaxStreamSize(int64(limit)))
		if _, err := skipUnframed(in, *skip); err != nil {
			return err
		}
		if *format == "raw" {
			return decodeRaw(p, in.(frame.MsgStreamReader), int64(*skip), out, prog)
		}
		return decode(p, in, *skip, appendMsg, out, prog)
	})
	return hintMax(err, p)
}

// decode writes the body of every frame read from in, a Framer of layout p
// whose first frame is at input offset start, to out, formatted by
// appendMsg.
func decode(p layout.Preset, in frameReader, start int64, appendMsg func(dst, msg []byte) []byte, out io.Writer, prog *progress) error {
	var buf []byte
	return eachFrameOf(p, in, start, func(_ int, _ int64, _ frame.Header, body []byte) error {
		buf = appendMsg(buf[:0], body)
		_, err := out.Write(buf)
		prog.addFrame()
		return err
	})
}

// decodeRaw writes the body of every frame read from in, a framer of p, to
// out as it arrives: it holds no whole message, whatever its size. The first
// frame starts at offset start.
func decodeRaw(p layout.Preset, in frame.MsgStreamReader, start int64, out io.Writer, prog *progress) error {
	offset := start
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
		prog.addFrame()
		offset += frameSize(p, n)
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
