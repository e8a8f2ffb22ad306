package main

import (
	"bufio"
	"io"
	"os"

	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/layout"
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

Under -layout each message is the body of a frame of that protocol whose
header fields are all zero bytes (a PostgreSQL type of 0x00, HTTP/2 type 0
on stream 0, no RPC last-fragment flag), with its trailer if it has one
(AMQP's 0xCE): the frames read back, but make no conversation. convert
-from-layout and -to-layout of the same layout keep the fields.

  printf 'hello\nworld\n' | framecat encode -codec uvarint > frames.bin
  printf 'hello\n' | framecat encode -layout mqtt | framecat inspect -layout mqtt
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
	p := cl.framing("codec")
	in, err := a.openInput(cl.operand())
	if err != nil {
		return err
	}
	defer in.Close()

	err = a.withOutput(cl.Name(), func(out *bufio.Writer, prog *progress) error {
		if size, ok := fileSize(in); ok && *split == splitWhole {
			return encodeWhole(countingReader{in, prog}, size, p, cl.bodyLimit(p), out, prog)
		}
		return encode(newSplitter(countingReader{in, prog}, *split, cl.bodyLimit(p)), p, out, prog)
	})
	return hintMax(err, p)
}

// encode writes every message of in to out as the body of a frame of
// layout p, its header fields zero.
func encode(in *splitter, p layout.Preset, out io.Writer, prog *progress) error {
	var buf []byte
	for {
		msg, err := in.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if buf, err = p.AppendFrame(buf[:0], frame.Header{}, msg); err != nil {
			return messageError(in.index, in.start, err)
		}
		if _, err := out.Write(buf); err != nil {
			return err
		}
		prog.addFrame()
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
func encodeWhole(in io.Reader, size int64, p layout.Preset, limit int, out io.Writer, prog *progress) error {
	if size > int64(limit) {
		return messageError(1, 0, &errs.MessageTooLargeError{Size: uint64(size), Max: uint64(limit)})
	}
	f := p.New(stream{w: out}, frame.WithMaxSize(limit), frame.WithMaxStreamSize(int64(limit)))
	if err := f.(frame.MsgStreamWriter).WriteMsgFrom(in, int(size)); err != nil {
		return messageError(1, 0, err)
	}
	prog.addFrame()
	return nil
}
