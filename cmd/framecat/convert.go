package main

import "github.com/framekit/framekit/frame"

const convertHelp = `
Convert reads the input's frames in codec -from and writes the same
messages framed in codec -to on stdout. A message the -to codec cannot
carry (over 255 bytes for be8), or over -max, stops it with an error
naming the frame and its input offset, as does a bad input frame.

  framecat convert -from uvarint -to be32 varint.bin > be32.bin
`

// runConvert is framecat convert.
func runConvert(a *app, cl *cmdline) error {
	if err := a.parse(cl); err != nil {
		return err
	}
	from, to := cl.codec("from"), cl.codec("to")
	input, err := a.openInput(cl.operand())
	if err != nil {
		return err
	}
	defer input.Close()

	p := a.startProgress(cl.Name())
	defer p.stop()
	in := from.newFramer(stream{r: countingReader{input, p}}, frame.WithMaxSize(cl.limit(from)))
	out := to.newFramer(stream{w: a.stdout}, frame.WithMaxSize(cl.limit(to)), frame.WithWriteBuffer(bufferSize))
	err = eachFrame(from, in, func(index int, offset int64, msg []byte) error {
		if err := out.WriteMsg(msg); err != nil {
			return frameError(index, offset, err)
		}
		p.addFrame()
		return nil
	})
	if cerr := out.Close(); err == nil {
		err = cerr // flushes the last batch
	}
	return err
}
