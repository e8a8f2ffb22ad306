package main

import (
	"bufio"
	"io"
	"os"

	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
)

const encodeHelp = `
Encode reads the input, cuts it into messages and writes each one to
stdout as a frame: its length header in codec C, then its bytes.

-split lines (the default) makes a message of every line without its line
ending, \n or \r\n, as Go's bufio.ScanLines does: text from Windows, or
typed into a terminal that sends \r\n, gives the same messages as Unix
text. -split lf ends lines at \n only and keeps every other byte, a \r
included: for input whose last line ends in \n, decode -format lines gives
back exactly the input. Under either, a final line without a newline is
still a message. -split null cuts at NULs, like lf at newlines, and
-split whole makes all of the input one message; when the input is a
regular file, that message streams through in constant memory, whatever
its size. A message over -max, or over what the codec carries (255 bytes
for be8), is an error naming the message and its size.

  printf 'hello\nworld\n' | framecat encode -codec uvarint > frames.bin
`

// addSplitFlag defines -split, how encode and dial cut their input into
// messages.
func (cl *cmdline) addSplitFlag() *string {
	return cl.choice("split", "`MODE`: how the input is cut into messages", splitLines, splitLF, splitNull, splitWhole)
}

// runEncode is framecat encode.
func runEncode(a *app, cl *cmdline) error {
	split := cl.addSplitFlag()
	if err := a.parse(cl); err != nil {
		return err
	}
	c := cl.codec("codec")
	in, err := a.openInput(cl.operand())
	if err != nil {
		return err
	}
	defer in.Close()

	return a.withOutput(cl.Name(), func(out *bufio.Writer, p *progress) error {
		if size, ok := fileSize(in); ok && *split == splitWhole {
			return encodeWhole(countingReader{in, p}, size, c, cl.limit(c), out, p)
		}
		return encode(newSplitter(countingReader{in, p}, *split, cl.limit(c)), c, out, p)
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

// fileSize returns the bytes left to read in r when it is a regular file.
func fileSize(r io.Reader) (int64, bool) {
	if in, ok := r.(stdinInput); ok {
		r = in.Reader
	}
	f, ok := r.(*os.File)
	if !ok {
		return 0, false
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0, false
	}
	pos, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, false
	}
	return max(fi.Size()-pos, 0), true
}

// encodeWhole writes the next size bytes of in to out as one frame in codec
// c, streamed through a Framer's WriteMsgFrom: it holds a 64 KiB piece of the
// message at a time, whatever its size.
func encodeWhole(in io.Reader, size int64, c lengthCodec, limit int, out io.Writer, p *progress) error {
	if size > int64(limit) {
		return messageError(1, 0, &errs.MessageTooLargeError{Size: uint64(size), Max: uint64(limit)})
	}
	f := c.newFramer(stream{w: out}, frame.WithMaxSize(limit), frame.WithMaxStreamSize(int64(limit)))
	if err := f.(frame.MsgStreamWriter).WriteMsgFrom(in, int(size)); err != nil {
		return messageError(1, 0, err)
	}
	p.addFrame()
	return nil
}
