package props_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// fixedWidth returns L's header size when it does not depend on the length,
// and 0 otherwise.
func fixedWidth[L codec.LengthCodec]() int {
	var c L
	if c.HeaderSize(0) == c.MaxHeaderSize() && c.HeaderSize(c.MaxLength()) == c.MaxHeaderSize() {
		return c.MaxHeaderSize()
	}
	return 0
}

// drawFields draws up to max header fields named prefix0, prefix1, ….
func drawFields(t *rapid.T, prefix string, max int) []frame.Field {
	n := rapid.IntRange(0, max).Draw(t, prefix+"Fields")
	fields := make([]frame.Field, n)
	for i := range fields {
		fields[i] = frame.Field{
			Name:   fmt.Sprintf("%s%d", prefix, i),
			Size:   rapid.IntRange(1, 4).Draw(t, prefix+"Size"),
			Format: frame.FieldFormat(rapid.IntRange(0, 1).Draw(t, prefix+"Format")),
		}
	}
	return fields
}

// drawLayout draws a valid layout on L: fields before and after the length,
// what it counts, a mask and a trailer, each when L allows them. Layouts that
// NewLayout refuses are drawn again.
func drawLayout[L codec.LengthCodec](t *rapid.T) (frame.Layout[L], frame.LayoutSpec) {
	width := fixedWidth[L]()
	spec := frame.LayoutSpec{
		Before:  drawFields(t, "before", 2),
		After:   drawFields(t, "after", 3),
		Trailer: rapid.SliceOfN(rapid.Byte(), 0, 3).Draw(t, "trailer"),
	}
	if width > 0 {
		spec.Counts = frame.Counts(rapid.IntRange(0, 2).Draw(t, "counts"))
		if width < 8 && rapid.Bool().Draw(t, "masked") {
			spec.LengthMask = 1<<(8*width-rapid.IntRange(1, 3).Draw(t, "flagBits")) - 1
		}
	}
	lay, err := frame.NewLayout[L](spec)
	if err != nil {
		t.Skip(err) // a BE8 field too narrow for what it counts, say
	}
	return lay, spec
}

func fieldBytes(fields []frame.Field) int {
	n := 0
	for _, f := range fields {
		n += f.Size
	}
	return n
}

// layoutFrame is a frame of a layout: its header and its body.
type layoutFrame struct {
	frame.Header
	Body []byte
}

// drawFrame draws a frame for lay with a body of at most maxBody bytes.
func drawFrame[L codec.LengthCodec](t *rapid.T, lay frame.Layout[L], spec frame.LayoutSpec, maxBody int) layoutFrame {
	fr := layoutFrame{Body: messages(maxBody, largestMessage()).Draw(t, "body")}
	if rapid.Bool().Draw(t, "zeroFields") {
		return fr // nil fields are zeros
	}
	n := fieldBytes(spec.Before) + fieldBytes(spec.After)
	fr.Fields = rapid.SliceOfN(rapid.Byte(), n, n).Draw(t, "fields")
	if spec.LengthMask != 0 {
		fr.Flags = rapid.Uint64().Draw(t, "flags") &^ spec.LengthMask & (1<<(8*fixedWidth[L]()) - 1)
	}
	return fr
}

// orZeros returns b, or size zero bytes for a nil b: what a frame's nil
// fields read back as.
func orZeros(b []byte, size int) []byte {
	if b == nil {
		return make([]byte, size)
	}
	return b
}

// checkLayoutRoundTrip: for any valid layout, frames written by a Framer with
// it are the bytes Layout.AppendFrame makes, and a Framer with the same
// layout reads them back, fields, flags and body, whichever way it reads, in
// whatever reads the stream is cut into, in exact mode or buffered; then
// io.EOF.
func checkLayoutRoundTrip[L codec.LengthCodec](t *rapid.T) {
	lay, spec := drawLayout[L](t)
	maxBody := int(min(lay.MaxBody(), 70000))
	frames := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) layoutFrame { return drawFrame(t, lay, spec, maxBody) }), 0, 6).Draw(t, "frames")

	var wire testkit.Buffer
	w := frame.NewWithLayout(&wire, lay, frame.WithMaxSize(maxBody), frame.WithWriteBuffer(rapid.SampledFrom([]int{0, 64, 4096}).Draw(t, "batch")))
	var want []byte
	for i, fr := range frames {
		var err error
		if want, err = lay.AppendFrame(want, fr.Header, fr.Body); err != nil {
			t.Fatalf("AppendFrame %d: %v", i, err)
		}
		if err := w.WriteFrame(fr.Header, fr.Body); err != nil {
			t.Fatalf("WriteFrame %d: %v", i, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wire.Bytes(), want) {
		t.Fatalf("the Framer wrote %x, AppendFrame makes %x", wire.Bytes(), want)
	}

	stream := &testkit.Stream{R: bytes.NewReader(want), Steps: rapid.SliceOfN(rapid.IntRange(1, 70), 0, 4).Draw(t, "steps")}
	r := frame.NewWithLayout(stream, lay, frame.WithMaxSize(maxBody), frame.WithReadBuffer(rapid.SampledFrom([]int{0, 16, 100, frame.DefaultReadBuffer}).Draw(t, "readBuffer")))
	for i, fr := range frames {
		wantFields := orZeros(fr.Fields, fieldBytes(spec.Before)+fieldBytes(spec.After))
		switch how := rapid.IntRange(0, 3).Draw(t, "how"); how {
		case 0, 1:
			read := r.ReadFrameView
			if how == 1 {
				read = r.ReadFrame
			}
			h, body, err := read()
			if err != nil {
				t.Fatalf("frame %d: %v", i, err)
			}
			got := layoutFrame{h, body}
			if !bytes.Equal(got.Fields, wantFields) || got.Flags != fr.Flags || !bytes.Equal(got.Body, fr.Body) {
				t.Fatalf("frame %d: read %x|%#x|%d bytes, wrote %x|%#x|%d bytes", i, got.Fields, got.Flags, len(got.Body), wantFields, fr.Flags, len(fr.Body))
			}
		case 2:
			if n, err := r.NextMsgLen(); err != nil || n != len(fr.Body) {
				t.Fatalf("frame %d: NextMsgLen = %d, %v; want %d", i, n, err, len(fr.Body))
			}
			got, err := r.ReadMsg()
			wantMsg(t, fmt.Sprintf("ReadMsg of frame %d", i), got, err, fr.Body)
		case 3:
			got, err := r.AppendMsg([]byte("x"))
			wantMsg(t, fmt.Sprintf("AppendMsg of frame %d", i), got, err, append([]byte("x"), fr.Body...))
		}
	}
	_, _, err := r.ReadFrameView()
	wantEOF(t, "after the last frame", err)
}

// checkLayoutTruncation: a stream that ends at any byte inside a frame of any
// layout gives the exact error: inside the header, the header bytes seen, a
// need no greater than the header, and the field the stream ended in; inside
// the body or trailer, their length and the bytes that arrived; and io.EOF at
// the frame's first byte.
func checkLayoutTruncation[L codec.LengthCodec](t *rapid.T) {
	lay, spec := drawLayout[L](t)
	fr := drawFrame(t, lay, spec, int(min(lay.MaxBody(), 3000)))
	wire, err := lay.AppendFrame(nil, fr.Header, fr.Body)
	if err != nil {
		t.Fatal(err)
	}
	before, after := fieldBytes(spec.Before), fieldBytes(spec.After)
	payload := len(fr.Body) + len(spec.Trailer)
	hdr := len(wire) - payload
	field := hdr - before - after
	cut := rapid.IntRange(0, len(wire)-1).Draw(t, "cut")
	r := frame.NewWithLayout(testkit.Reading(wire[:cut]), lay, frame.WithReadBuffer(rapid.SampledFrom([]int{0, 100, frame.DefaultReadBuffer}).Draw(t, "readBuffer")))
	_, _, err = r.ReadFrameView()
	if cut == 0 {
		wantEOF(t, "an empty stream", err)
		return
	}
	var e *errs.IncompleteReadError
	if !errors.As(err, &e) {
		t.Fatalf("cut at %d of %d: %v, want an *errs.IncompleteReadError", cut, len(wire), err)
	}
	if cut < hdr {
		wantName := "length"
		if at := cut; at < before {
			for _, f := range spec.Before {
				if at < f.Size {
					wantName = f.Name
					break
				}
				at -= f.Size
			}
		} else if at := cut - before - field; at >= 0 {
			for _, f := range spec.After {
				if at < f.Size {
					wantName = f.Name
					break
				}
				at -= f.Size
			}
		}
		if before+after == 0 {
			wantName = ""
		}
		if e.Part != errs.ErrMissingLength || e.Received != cut || e.Expected <= cut || e.Expected > hdr || e.Field != wantName {
			t.Fatalf("cut at %d inside a %d-byte header: %+v, want Part ErrMissingLength, Received %d, Expected in (%d, %d], Field %q", cut, hdr, *e, cut, cut, hdr, wantName)
		}
		return
	}
	wantField := ""
	if cut-hdr >= len(fr.Body) {
		wantField = "trailer"
	}
	if e.Part != errs.ErrMissingMessage || e.Expected != payload || e.Received != cut-hdr || e.Field != wantField {
		t.Fatalf("cut at %d, %d bytes into a %d-byte body and trailer: %+v", cut, cut-hdr, payload, *e)
	}
}

// checkLayoutSkip: under WithSkipOversized, a frame of any layout whose body
// is above the limit is reported with its body length and skipped whole,
// trailer and all, and the frames after it read as written.
func checkLayoutSkip[L codec.LengthCodec](t *rapid.T) {
	lay, spec := drawLayout[L](t)
	maxBody := int(min(lay.MaxBody(), 3000))
	limit := rapid.IntRange(0, maxBody).Draw(t, "limit")
	frames := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) layoutFrame { return drawFrame(t, lay, spec, maxBody) }), 1, 5).Draw(t, "frames")
	var wire []byte
	for _, fr := range frames {
		wire, _ = lay.AppendFrame(wire, fr.Header, fr.Body)
	}
	r := frame.NewWithLayout(&testkit.Stream{R: bytes.NewReader(wire), Steps: []int{rapid.IntRange(1, 50).Draw(t, "step")}}, lay,
		frame.WithMaxSize(limit), frame.WithSkipOversized(), frame.WithReadBuffer(rapid.SampledFrom([]int{0, 64, frame.DefaultReadBuffer}).Draw(t, "readBuffer")))
	for i, fr := range frames {
		_, got, err := r.ReadFrameView()
		if len(fr.Body) > limit {
			wantTooLarge(t, fmt.Sprintf("frame %d", i), err, uint64(len(fr.Body)), uint64(limit))
			continue
		}
		if err != nil || !bytes.Equal(got, fr.Body) {
			t.Fatalf("frame %d after skipping: %d bytes, %v; want %d bytes", i, len(got), err, len(fr.Body))
		}
	}
	if _, _, err := r.ReadFrameView(); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}
