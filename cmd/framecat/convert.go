package main

import (
	"github.com/framekit/framekit/frame"
)

const convertHelp = `
Convert reads the input's frames in codec -from, or of layout -from-layout,
and writes the same messages framed in codec -to, or of layout -to-layout,
on stdout: one of each pair is required. Between two layouts of the same
name each frame keeps its header fields (re-framing it byte for byte, a
check of the input); otherwise the fields are dropped and the output's
fields are zero, as encode writes them. A message the output cannot carry
(over 255 bytes for be8), or over -max, stops it with an error naming the
frame and its input offset, as does a bad input frame.

  framecat convert -from uvarint -to be32 varint.bin > be32.bin
  framecat convert -from-layout dns -to uvarint dns.bin > messages.bin
`

// runConvert is framecat convert.
func runConvert(a *app, cl *cmdline) error {
	if err := a.parse(cl); err != nil {
		return err
	}
	from, to := cl.framing("from"), cl.framing("to")
	input, err := a.openInput(cl.operand())
	if err != nil {
		return err
	}
	defer input.Close()

	p := a.startProgress(cl.Name())
	defer p.stop()
	in := from.New(stream{r: countingReader{input, p}}, frame.WithMaxSize(cl.bodyLimit(from)))
	out := to.New(stream{w: a.stdout}, frame.WithMaxSize(cl.bodyLimit(to)), frame.WithWriteBuffer(bufferSize))
	keepFields := from.String() == to.String()
	err = eachFrameOf(from, in, 0, func(index int, offset int64, h frame.Header, body []byte) error {
		if !keepFields {
			h = frame.Header{}
		}
		if err := out.WriteFrame(h, body); err != nil {
			return hintMax(frameError(index, offset, err), to)
		}
		p.addFrame()
		return nil
	})
	if cerr := out.Close(); err == nil {
		err = cerr // flushes the last batch
	}
	return hintMax(err, from)
}
