package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/layout"
)

const inspectHelp = `
Inspect reads frames in codec C from the input and prints a table: each
frame's byte offset, its header bytes in hex, its body length and a
preview of the body (up to 24 bytes, quoted, with non-printable bytes
escaped). A summary follows: the number of frames, the total bytes, the
smallest and largest body.

With -layout NAME the table shows each frame's header fields instead of
its header bytes, each as the protocol writes it: PostgreSQL's message
type as a character (type='Q'), HTTP/2's frame type, flags and stream.
Offsets and the total count every byte of a frame: header, body and
trailer.

-skip N passes over N bytes before the first frame that are not framed
(HTTP/2's 24-byte client preface; the bytes of PostgreSQL's startup phase
before the first typed message). They have a row of their own, marked
unframed, and count in the offsets and the total.

On a truncated header or body, a malformed header or trailer, or a frame
over -max, inspect stops, prints one line on stderr with the frame's
offset and what is wrong, and exits with status 1. With -codec it never
holds more than 64 KiB of the input in memory, whatever lengths the
headers declare; with -layout it holds each frame whole, at most -max
bytes of body.

  framecat inspect -codec be32 frames.bin
  framecat inspect -layout http2 -skip 24 client.bin
`

// previewSize is how many body bytes inspect shows of each frame.
const previewSize = 24

// unframed marks the row of the bytes -skip passes over.
const unframed = "unframed"

// runInspect is framecat inspect.
func runInspect(a *app, cl *cmdline) error {
	skip := cl.addSkipFlag()
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
		if f := cl.codecFlag("codec"); f.codec != nil {
			return inspect(bufio.NewReaderSize(in, bufferSize), *f.codec, *skip, cl.bodyLimit(p), out, prog)
		}
		return inspectLayout(p, p.New(stream{r: countingReader{in, prog}}, frame.WithMaxSize(cl.bodyLimit(p))), *skip, out, prog)
	})
	return hintMax(err, p)
}

// inspect writes the table and summary of the frames in r to out, decoding
// headers with c and rejecting bodies over maxSize, after skip unframed
// bytes. It stops at the first bad frame with an *inputError naming it.
func inspect(r *bufio.Reader, c lengthCodec, skip int64, maxSize int, out io.Writer, p *progress) error {
	// The widest header a frame within the limit can have sets the column.
	hexWidth := max(len("header"), 3*c.HeaderSize(uint64(maxSize))-1)
	if skip > 0 {
		hexWidth = max(hexWidth, len(unframed))
	}
	fmt.Fprintf(out, "%8s  %-*s  %8s  %s\n", "offset", hexWidth, "header", "length", "preview")
	var (
		offset            int64
		frames            int
		smallest, largest uint64
	)
	if skip > 0 {
		start, _ := r.Peek(int(min(skip, previewSize)))
		fmt.Fprintf(out, "%8d  %-*s  %8d  %s\n", 0, hexWidth, unframed, skip, quote(start, uint64(skip)))
		for offset < skip {
			got, err := r.Discard(int(min(skip-offset, bufferSize)))
			offset += int64(got)
			p.addBytes(got)
			switch {
			case err == io.EOF:
				return shortInput(skip, offset)
			case err != nil:
				return err
			}
		}
	}
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
	summarize(out, frames, offset, skip, smallest, largest)
	return nil
}

// inspectLayout writes the table and summary of the frames read from in, a
// Framer of layout lay, to out, after skip unframed bytes. It stops at the
// first bad frame with an *inputError naming it.
func inspectLayout(lay layout.Preset, in layout.Conn, skip int64, out io.Writer, p *progress) error {
	width := max(len("fields"), len(widestFields(lay)))
	if skip > 0 {
		width = max(width, len(unframed))
	}
	fmt.Fprintf(out, "%8s  %-*s  %8s  %s\n", "offset", width, "fields", "length", "preview")
	if skip > 0 {
		start, err := skipUnframed(in, skip)
		fmt.Fprintf(out, "%8d  %-*s  %8d  %s\n", 0, width, unframed, skip, quote(start, uint64(skip)))
		if err != nil {
			return err
		}
	}
	var (
		offset            = skip
		frames            int
		smallest, largest uint64
	)
	err := eachFrameOf(lay, in, skip, func(_ int, at int64, h frame.Header, body []byte) error {
		n := uint64(len(body))
		fmt.Fprintf(out, "%8d  %-*s  %8d  %s\n", at, width, lay.Format(h), n, quote(body[:min(n, previewSize)], n))
		if frames == 0 || n < smallest {
			smallest = n
		}
		largest = max(largest, n)
		frames++
		p.addFrame()
		offset = at + frameSize(lay, len(body))
		return nil
	})
	if err != nil {
		return err
	}
	summarize(out, frames, offset, skip, smallest, largest)
	return nil
}

// widestFields returns the header fields of lay as Format shows them for a
// frame whose every header byte is 0xff and whose flags are all set: as
// wide as they get.
func widestFields(lay layout.Preset) string {
	spec := lay.Spec()
	size := func(fields []frame.Field) (n int) {
		for _, f := range fields {
			n += f.Size
		}
		return n
	}
	h := frame.Header{Fields: bytes.Repeat([]byte{0xff}, size(spec.Before)+size(spec.After))}
	if spec.LengthMask != 0 {
		// A masked length field is fixed-width: what the header has
		// besides the fields.
		bits := 8 * (lay.HeaderSize(0) - len(h.Fields))
		h.Flags = (1<<bits - 1) &^ spec.LengthMask
	}
	return lay.Format(h)
}

// summarize writes inspect's summary line: frames, total bytes (of which
// skip unframed), the smallest and largest body.
func summarize(out io.Writer, frames int, total, skip int64, smallest, largest uint64) {
	fmt.Fprintf(out, "%s, %s", count(frames, "frame"), count(total, "byte"))
	if skip > 0 {
		fmt.Fprintf(out, " (%d unframed)", skip)
	}
	if frames > 0 {
		fmt.Fprintf(out, "; bodies: smallest %d, largest %s", smallest, count(largest, "byte"))
	}
	fmt.Fprintln(out)
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
