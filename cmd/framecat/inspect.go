package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
)

const inspectHelp = `
Inspect reads frames in codec C from the input and prints a table: each
frame's byte offset, its header bytes in hex, its body length and a
preview of the body (up to 24 bytes, quoted, with non-printable bytes
escaped). A summary follows: the number of frames, the total bytes, the
smallest and largest body.

On a truncated header or body, a malformed varint header, or a frame over
-max, inspect stops, prints one line on stderr with the frame's offset and
what is wrong, and exits with status 1. It never holds more than 64 KiB of
the input in memory, whatever lengths the headers declare.

  framecat inspect -codec be32 frames.bin
`

// previewSize is how many body bytes inspect shows of each frame.
const previewSize = 24

// runInspect is framecat inspect.
func runInspect(a *app, cl *cmdline) error {
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
		return inspect(bufio.NewReaderSize(in, bufferSize), c, cl.limit(c), out, p)
	})
}

// inspect writes the table and summary of the frames in r to out, decoding
// headers with c and rejecting bodies over maxSize. It stops at the first bad
// frame with an *inputError naming it.
func inspect(r *bufio.Reader, c lengthCodec, maxSize int, out io.Writer, p *progress) error {
	// The widest header a frame within the limit can have sets the column.
	hexWidth := max(len("header"), 3*c.HeaderSize(uint64(maxSize))-1)
	fmt.Fprintf(out, "%8s  %-*s  %8s  %s\n", "offset", hexWidth, "header", "length", "preview")
	var (
		offset            int64
		frames            int
		smallest, largest uint64
	)
	for {
		hdr, perr := r.Peek(c.MaxHeaderSize()) // fewer bytes only at the end of the input
		if len(hdr) == 0 && perr == io.EOF {
			break
		}
		fail := func(err error) error { return frameError(frames+1, offset, err) }
		n, size, err := c.DecodeLength(hdr)
		switch {
		case err == codec.ErrShortHeader && perr == io.EOF:
			return fail(&errs.IncompleteReadError{Expected: size, Received: len(hdr), Part: errs.ErrMissingLength})
		case err == codec.ErrShortHeader && perr != nil:
			return fail(perr)
		case err != nil:
			return fail(err)
		case n > uint64(maxSize):
			return fail(&errs.MessageTooLargeError{Size: n, Max: uint64(maxSize)})
		}
		header := hexBytes(hdr[:size])
		r.Discard(size) // cannot fail: the bytes are buffered
		preview, perr := r.Peek(int(min(n, previewSize)))
		if perr != nil && perr != io.EOF {
			return fail(perr)
		}
		fmt.Fprintf(out, "%8d  %-*s  %8d  %s\n", offset, hexWidth, header, n, quote(preview, n))
		got, derr := r.Discard(int(n))
		p.addBytes(size + got)
		switch {
		case derr == io.EOF:
			return fail(&errs.IncompleteReadError{Expected: int(n), Received: got, Part: errs.ErrMissingMessage})
		case derr != nil:
			return fail(derr)
		}
		if frames == 0 || n < smallest {
			smallest = n
		}
		largest = max(largest, n)
		frames++
		p.addFrame()
		offset += int64(size) + int64(n)
	}
	fmt.Fprintf(out, "%s, %s", count(frames, "frame"), count(offset, "byte"))
	if frames > 0 {
		fmt.Fprintf(out, "; bodies: smallest %d, largest %s", smallest, count(largest, "byte"))
	}
	fmt.Fprintln(out)
	return nil
}

// hexBytes returns b in lowercase hex, a space between bytes.
func hexBytes(b []byte) string {
	var s strings.Builder
	for i, x := range b {
		if i > 0 {
			s.WriteByte(' ')
		}
		fmt.Fprintf(&s, "%02x", x)
	}
	return s.String()
}

// quote returns the start of a body of n bytes as a Go string literal,
// non-printable bytes escaped, with "..." after it when the body is longer.
func quote(start []byte, n uint64) string {
	q := strconv.Quote(string(start))
	if uint64(len(start)) < n {
		q += "..."
	}
	return q
}
