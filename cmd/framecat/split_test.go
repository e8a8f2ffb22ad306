package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/framekit/framekit/errs"
	"pgregory.net/rapid"
)

// drawSplitInput draws a short input of the bytes the splitter cares
// about, so that line endings, \r before and away from them, empty lines
// and lines longer than the smallest bufio buffer all occur.
func drawSplitInput(t *rapid.T) []byte {
	return rapid.SliceOfN(rapid.SampledFrom([]byte{'a', 'b', '\r', '\n', 0}), 0, 200).Draw(t, "input")
}

// smallSplitter returns a splitter reading in through bufio's smallest
// buffer (16 bytes), so that lines span reads and a \r can end one read
// while its \n starts the next.
func smallSplitter(in []byte, mode string, max int) *splitter {
	return &splitter{r: bufio.NewReaderSize(bytes.NewReader(in), 16), mode: mode, max: max}
}

// cut is the reference splitter: the pieces of in between terminators,
// with the input offset of each, a final piece only if it is not empty.
func cut(in []byte, term byte) (pieces [][]byte, offsets []int64) {
	var offset int64
	for len(in) > 0 {
		piece, rest, found := bytes.Cut(in, []byte{term})
		pieces, offsets = append(pieces, piece), append(offsets, offset)
		offset += int64(len(piece))
		if found {
			offset++
		}
		in = rest
	}
	return pieces, offsets
}

// scanLines returns the tokens bufio.ScanLines makes of in.
func scanLines(in []byte) [][]byte {
	sc := bufio.NewScanner(bytes.NewReader(in))
	sc.Buffer(nil, len(in)+1)
	var lines [][]byte
	for sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
	}
	return lines
}

// Every mode that cuts at a terminator returns the pieces between them, in
// mode lines without a \r that ends one, exactly as bufio.ScanLines cuts
// lines; each message carries its index and input offset, and the first
// piece over max is an error with its full size, where it starts.
func TestSplitterCutsLikeTheReference(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		in := drawSplitInput(t)
		mode := rapid.SampledFrom([]string{splitLines, splitLF, splitNull}).Draw(t, "mode")
		max := rapid.IntRange(0, 40).Draw(t, "max")

		term := byte('\n')
		if mode == splitNull {
			term = 0
		}
		pieces, offsets := cut(in, term)
		if mode == splitLines {
			for i, p := range pieces {
				pieces[i] = bytes.TrimSuffix(p, []byte{'\r'})
			}
			if want := scanLines(in); !equalPieces(pieces, want) {
				t.Fatalf("the reference cuts %q into %q, bufio.ScanLines into %q", in, pieces, want)
			}
		}

		s := smallSplitter(in, mode, max)
		for i, want := range pieces {
			msg, err := s.next()
			if len(want) > max {
				var input *inputError
				var tooLarge *errs.MessageTooLargeError
				if !errors.As(err, &input) || !errors.As(err, &tooLarge) ||
					input.index != i+1 || input.offset != offsets[i] || tooLarge.Size != uint64(len(want)) || tooLarge.Max != uint64(max) {
					t.Fatalf("message %d (%d bytes at %d, max %d): got %q, %v; want it too large", i+1, len(want), offsets[i], max, msg, err)
				}
				return
			}
			if err != nil || !bytes.Equal(msg, want) || s.index != i+1 || s.start != offsets[i] {
				t.Fatalf("message %d: got %q, %v at index %d offset %d; want %q at offset %d", i+1, msg, err, s.index, s.start, want, offsets[i])
			}
		}
		if msg, err := s.next(); err != io.EOF {
			t.Fatalf("after %d messages: got %q, %v; want io.EOF", len(pieces), msg, err)
		}
	})
}

// decode -format lines writes each message and a newline: of what -split
// lf makes of an input ending in \n, and of what -split lines makes of one
// without \r too, that gives back the input.
func TestSplitLinesRoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		in := append(drawSplitInput(t), '\n')
		mode := splitLF
		if !bytes.Contains(in, []byte{'\r'}) {
			mode = rapid.SampledFrom([]string{splitLines, splitLF}).Draw(t, "mode")
		}
		s := smallSplitter(in, mode, len(in))
		var out []byte
		for {
			msg, err := s.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			out = decodeFormats["lines"](out, msg)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("-split %s of %q: decoded back to %q", mode, in, out)
		}
	})
}

// A \r\n split across two reads of a long line is still one line ending,
// and the limit counts the message without it.
func TestSplitLinesCRAtABufferBoundary(t *testing.T) {
	t.Parallel()
	line := bytes.Repeat([]byte("x"), 15)
	in := append(append(line, "\r\n"...), "next\n"...) // the \r is byte 16: the end of the first read
	s := smallSplitter(in, splitLines, len(line))
	if msg, err := s.next(); err != nil || !bytes.Equal(msg, line) {
		t.Fatalf("got %q, %v; want %q", msg, err, line)
	}
	if msg, err := s.next(); err != nil || string(msg) != "next" || s.start != 17 {
		t.Fatalf("got %q, %v at offset %d; want \"next\" at 17", msg, err, s.start)
	}
}

func equalPieces(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
