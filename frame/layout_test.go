package frame_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

func TestNewLayoutRefusesWhatCannotWork(t *testing.T) {
	one := func(name string) frame.Field { return frame.Field{Name: name, Size: 1} }
	cases := []struct {
		name string
		make func() error
		why  string
	}{
		{"unnamed field", func() error {
			_, err := frame.NewLayout[codec.BE32](frame.LayoutSpec{Before: []frame.Field{{Size: 1}}})
			return err
		}, "has no name"},
		{"field named twice", func() error {
			_, err := frame.NewLayout[codec.BE32](frame.LayoutSpec{Before: []frame.Field{one("t")}, After: []frame.Field{one("t")}})
			return err
		}, `"t" is taken`},
		{"reserved name", func() error {
			_, err := frame.NewLayout[codec.BE32](frame.LayoutSpec{After: []frame.Field{one("length")}})
			return err
		}, `"length" is taken`},
		{"field too wide", func() error {
			_, err := frame.NewLayout[codec.BE32](frame.LayoutSpec{After: []frame.Field{{Name: "x", Size: 9}}})
			return err
		}, "1 to 8 bytes"},
		{"wide character", func() error {
			_, err := frame.NewLayout[codec.BE32](frame.LayoutSpec{Before: []frame.Field{{Name: "c", Size: 2, Format: frame.FieldChar}}})
			return err
		}, "characters are 1 byte"},
		{"varint counting itself", func() error {
			_, err := frame.NewLayout[codec.Uvarint](frame.LayoutSpec{Counts: frame.CountsFromLength})
			return err
		}, "needs a fixed-width field"},
		{"mask on a varint", func() error {
			_, err := frame.NewLayout[codec.VBI](frame.LayoutSpec{LengthMask: 0x7f})
			return err
		}, "mask needs a fixed-width"},
		{"mask with holes", func() error {
			_, err := frame.NewLayout[codec.BE32](frame.LayoutSpec{LengthMask: 0x7ffffffe})
			return err
		}, "not a run of low bits"},
		{"mask over the whole field", func() error {
			_, err := frame.NewLayout[codec.BE16](frame.LayoutSpec{LengthMask: 0xffff})
			return err
		}, "leaves no flag bits"},
		{"field too narrow for what it counts", func() error {
			_, err := frame.NewLayout[codec.BE8](frame.LayoutSpec{Before: []frame.Field{{Name: "x", Size: 8}}, Counts: frame.CountsFrame, LengthMask: 7})
			return err
		}, "cannot count the 9 header"},
		{"header too large", func() error {
			fields := make([]frame.Field, 6)
			for i := range fields {
				fields[i] = frame.Field{Name: string(rune('a' + i)), Size: 8}
			}
			_, err := frame.NewLayout[codec.BE32](frame.LayoutSpec{After: fields})
			return err
		}, "more than the 48"},
		{"trailer too large", func() error {
			_, err := frame.NewLayout[codec.BE32](frame.LayoutSpec{Trailer: make([]byte, 9)})
			return err
		}, "more than the 8"},
		{"unknown counts", func() error {
			_, err := frame.NewLayout[codec.BE32](frame.LayoutSpec{Counts: 7})
			return err
		}, "unknown Counts"},
	}
	for _, c := range cases {
		err := c.make()
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.why)
		}
		if errors.Is(err, errs.ErrIO) {
			t.Errorf("%s: a bad layout is a plain error, not an i/o error: %v", c.name, err)
		}
	}
}

// A layout whose length counts its header reads what its protocol sends:
// PostgreSQL's ReadyForQuery is 'Z', a length of 5 (itself and one body
// byte), then 'I'.
func TestLengthThatCountsItself(t *testing.T) {
	lay := frame.MustLayout[codec.BE32](frame.LayoutSpec{Before: []frame.Field{{Name: "type", Size: 1, Format: frame.FieldChar}}, Counts: frame.CountsFromLength})
	wire := []byte{'Z', 0, 0, 0, 5, 'I'}
	f := frame.NewWithLayout(testkit.Reading(wire), lay)
	h, body, err := f.ReadFrameView()
	if err != nil || string(h.Fields) != "Z" || string(body) != "I" {
		t.Fatalf("read %q %q, %v", h.Fields, body, err)
	}
	if got := lay.Format(h); got != `type='Z'` {
		t.Errorf("Format = %s", got)
	}
	if out, _ := lay.AppendFrame(nil, h, body); !bytes.Equal(out, wire) {
		t.Errorf("re-encoded as % x, want % x", out, wire)
	}

	// A length smaller than the bytes it counts can never be right.
	f = frame.NewWithLayout(testkit.Reading([]byte{'Z', 0, 0, 0, 3, 'I'}), lay)
	_, _, err = f.ReadFrameView()
	var mal *errs.MalformedLengthError
	if !errors.As(err, &mal) || !strings.Contains(err.Error(), "length 3 is less than the 4") {
		t.Fatalf("a length of 3 counting a 4-byte field: %v", err)
	}
	if _, again := f.ReadMsg(); again != err {
		t.Fatalf("the error is not sticky: %v", again)
	}
}

func TestTrailerIsChecked(t *testing.T) {
	lay := frame.MustLayout[codec.BE32](frame.LayoutSpec{Before: []frame.Field{{Name: "type", Size: 1}}, Trailer: []byte{0xCE}})
	good, _ := lay.AppendFrame(nil, frame.Header{Fields: []byte{8}}, []byte("hb"))
	bad := bytes.Clone(good)
	bad[len(bad)-1] = 0xCD
	for _, buffer := range []int{0, frame.DefaultReadBuffer} {
		f := frame.NewWithLayout(testkit.Reading(append(bytes.Clone(good), bad...)), lay, frame.WithReadBuffer(buffer))
		if msg, err := f.ReadMsg(); err != nil || string(msg) != "hb" {
			t.Fatalf("buffer %d: the good frame: %q, %v", buffer, msg, err)
		}
		_, err := f.ReadMsg()
		var trailer *errs.MalformedTrailerError
		if !errors.As(err, &trailer) || !bytes.Equal(trailer.Got, []byte{0xCD}) || !errors.Is(err, errs.ErrMsgio) {
			t.Fatalf("buffer %d: the bad trailer: %v", buffer, err)
		}
		if _, _, again := f.ReadFrameView(); again != err {
			t.Fatalf("buffer %d: not sticky: %v", buffer, again)
		}
	}
}

// A body that does not fit the length field is refused, never written with
// a truncated length (tokio#5080): a BE8 field that counts a 3-byte header
// carries 252 bytes of body.
func TestLengthIsNeverTruncated(t *testing.T) {
	lay := frame.MustLayout[codec.BE8](frame.LayoutSpec{After: []frame.Field{{Name: "kind", Size: 2}}, Counts: frame.CountsFrame})
	if lay.MaxBody() != 252 {
		t.Fatalf("MaxBody = %d, want 252", lay.MaxBody())
	}
	var out testkit.Buffer
	f := frame.NewWithLayout(&out, lay, frame.WithMaxSize(1<<20))
	if f.MaxSize() != 252 {
		t.Fatalf("MaxSize = %d, want it clipped to 252", f.MaxSize())
	}
	err := f.WriteMsg(make([]byte, 253))
	var tooLarge *errs.MessageTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Size != 253 || tooLarge.Max != 252 || out.Len() != 0 {
		t.Fatalf("253 bytes: %v, wrote %d bytes", err, out.Len())
	}
	if _, err := lay.AppendFrame(nil, frame.Header{}, make([]byte, 253)); !errors.As(err, &tooLarge) {
		t.Fatalf("AppendFrame of 253 bytes: %v", err)
	}
	if err := f.WriteFrame(frame.Header{Fields: []byte{1}}, nil); err == nil || errors.Is(err, errs.ErrIO) || out.Len() != 0 {
		t.Fatalf("a 1-byte field where the layout has 2: %v", err)
	}
	if err := f.WriteMsg(make([]byte, 252)); err != nil || out.Bytes()[0] != 255 {
		t.Fatalf("252 bytes: %v, length byte %d", err, out.Bytes()[0])
	}
}

// Flags share the length field with the length: ONC RPC's last-fragment bit.
func TestLengthMaskCarriesFlags(t *testing.T) {
	lay := frame.MustLayout[codec.BE32](frame.LayoutSpec{LengthMask: 1<<31 - 1})
	var out testkit.Buffer
	f := frame.NewWithLayout(&out, lay)
	if err := f.WriteFrame(frame.Header{Flags: 1 << 31}, []byte("xid")); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteFrame(frame.Header{Flags: 1 << 30}, nil); err == nil {
		t.Fatal("a flag inside the length bits was accepted")
	}
	if want := []byte{0x80, 0, 0, 3, 'x', 'i', 'd'}; !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("wrote % x, want % x", out.Bytes(), want)
	}
	h, body, err := f.ReadFrame()
	if err != nil || h.Flags != 1<<31 || string(body) != "xid" {
		t.Fatalf("read back %#x %q, %v", h.Flags, body, err)
	}
}

// Bytes before the first frame are read through the same buffer, and what it
// read ahead is not lost: an HTTP/2 client's preface, then its frames, in
// one segment.
func TestReadUnframedKeepsReadAhead(t *testing.T) {
	lay := frame.MustLayout[codec.BE24](frame.LayoutSpec{After: []frame.Field{{Name: "type", Size: 1}, {Name: "flags", Size: 1}, {Name: "stream", Size: 4}}})
	preface := []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	settings, _ := lay.AppendFrame(nil, frame.Header{Fields: []byte{4, 0, 0, 0, 0, 0}}, nil)
	ping, _ := lay.AppendFrame(nil, frame.Header{Fields: []byte{6, 0, 0, 0, 0, 0}}, []byte("12345678"))
	wire := append(append(bytes.Clone(preface), settings...), ping...)
	for _, buffer := range []int{0, 16, frame.DefaultReadBuffer} {
		stream := testkit.Reading(wire)
		f := frame.NewWithLayout(stream, lay, frame.WithReadBuffer(buffer))
		got := make([]byte, len(preface))
		if n, err := f.ReadUnframed(got); err != nil || n != len(preface) || !bytes.Equal(got, preface) {
			t.Fatalf("buffer %d: preface %q, %d, %v", buffer, got, n, err)
		}
		for _, want := range []byte{4, 6} {
			h, _, err := f.ReadFrameView()
			if err != nil || h.Fields[0] != want {
				t.Fatalf("buffer %d: frame of type %d: %+v, %v", buffer, want, h, err)
			}
		}
		if _, _, err := f.ReadFrameView(); err != io.EOF {
			t.Fatalf("buffer %d: after the frames: %v", buffer, err)
		}
	}

	// A stream that ends inside the unframed bytes is an incomplete read.
	f := frame.NewWithLayout(testkit.Reading(preface[:10]), lay)
	n, err := f.ReadUnframed(make([]byte, len(preface)))
	var short *errs.IncompleteReadError
	if !errors.As(err, &short) || n != 10 || short.Expected != 24 || short.Received != 10 {
		t.Fatalf("a cut preface: %d, %v", n, err)
	}
}

func TestWriteUnframed(t *testing.T) {
	var out testkit.Buffer
	f := frame.NewWithLayout(&out, frame.MustLayout[codec.BE32](frame.LayoutSpec{Before: []frame.Field{{Name: "type", Size: 1}}, Counts: frame.CountsFromLength}), frame.WithWriteBuffer(64))
	if err := f.WriteUnframed([]byte("N")); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteFrame(frame.Header{Fields: []byte("R")}, []byte{0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := []byte{'N', 'R', 0, 0, 0, 8, 0, 0, 0, 0}; !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("wrote % x, want % x", out.Bytes(), want)
	}
}

// The plain layout's frames have a body only.
func TestPlainFramerFrames(t *testing.T) {
	var out testkit.Buffer
	f := frame.New[codec.BE16](&out)
	if err := f.WriteFrame(frame.Header{Fields: []byte{1}}, nil); err == nil {
		t.Fatal("a field on a plain Framer was accepted")
	}
	if err := f.WriteFrame(frame.Header{}, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	h, body, err := f.ReadFrame()
	if err != nil || string(body) != "hi" || h.Fields != nil || f.Layout().String() != "be16" {
		t.Fatalf("%+v %q, %v", h, body, err)
	}
}

// A layout's trailer streams too: WriteMsgFrom writes it after the last piece
// of a body too large to hold, and NextReader hands out the body alone and
// checks the trailer before its io.EOF.
func TestStreamedLayoutFrames(t *testing.T) {
	lay := frame.MustLayout[codec.BE32](frame.LayoutSpec{Before: []frame.Field{{Name: "type", Size: 1}}, Trailer: []byte{0xCE}})
	for _, size := range []int{0, 100, 200 << 10} {
		body := bytes.Repeat([]byte("0123456789abcdef"), size/16)
		var wire testkit.Buffer
		w := frame.NewWithLayout(&wire, lay, frame.WithMaxStreamSize(1<<20))
		if err := w.WriteMsgFrom(bytes.NewReader(body), len(body)); err != nil {
			t.Fatal(err)
		}
		if err := w.WriteMsg([]byte("next")); err != nil {
			t.Fatal(err)
		}
		want, _ := lay.AppendFrame(nil, frame.Header{}, body)
		want, _ = lay.AppendFrame(want, frame.Header{}, []byte("next"))
		if !bytes.Equal(wire.Bytes(), want) {
			t.Fatalf("%d bytes: WriteMsgFrom wrote %d bytes, AppendFrame makes %d", size, wire.Len(), len(want))
		}
		for _, buffer := range []int{0, 64, frame.DefaultReadBuffer} {
			r := frame.NewWithLayout(&testkit.Stream{R: bytes.NewReader(want), Steps: []int{7, 1000}}, lay, frame.WithReadBuffer(buffer), frame.WithMaxStreamSize(1<<20))
			br, n, err := r.NextReader()
			if err != nil || n != len(body) {
				t.Fatalf("%d bytes, buffer %d: NextReader: %d, %v", size, buffer, n, err)
			}
			got, err := io.ReadAll(br)
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("%d bytes, buffer %d: streamed %d bytes, %v", size, buffer, len(got), err)
			}
			if msg, err := r.ReadMsg(); err != nil || string(msg) != "next" {
				t.Fatalf("%d bytes, buffer %d: the next frame: %q, %v", size, buffer, msg, err)
			}
		}
		bad := bytes.Clone(want)
		bad[len(want)-len("next")-1-5-1] = 0 // the first frame's trailer
		r := frame.NewWithLayout(testkit.Reading(bad), lay, frame.WithMaxStreamSize(1<<20))
		br, _, err := r.NextReader()
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(br)
		var trailer *errs.MalformedTrailerError
		if !errors.As(err, &trailer) {
			t.Fatalf("%d bytes: a bad trailer after a streamed body: %v", size, err)
		}
	}
}

// A timeout anywhere in a layout's frames, a field, the length, the body or
// the trailer, loses nothing: the read called again returns the whole frame,
// fields included, whichever way it reads, exact or buffered.
func TestLayoutReadsResumeAfterATimeoutAtEveryByte(t *testing.T) {
	lay := frame.MustLayout[codec.BE32](frame.LayoutSpec{
		Before:  []frame.Field{{Name: "type", Size: 1}, {Name: "channel", Size: 2}},
		After:   []frame.Field{{Name: "seq", Size: 1}},
		Counts:  frame.CountsFromLength,
		Trailer: []byte{0xCE, 0xCF},
	})
	frames := []struct {
		h    frame.Header
		body []byte
	}{
		{frame.Header{Fields: []byte{1, 0, 7, 9}}, []byte("small")},
		{frame.Header{Fields: []byte{3, 0, 8, 10}}, bytes.Repeat([]byte("large body "), 9000)}, // larger than the read buffer
		{frame.Header{Fields: []byte{8, 0, 0, 11}}, nil},
	}
	var wire []byte
	for _, fr := range frames {
		wire, _ = lay.AppendFrame(wire, fr.h, fr.body)
	}
	step := 1
	if testkit.Race || testing.Short() {
		step = 97 // every byte of 100 KiB is slow under -race; .ci/run checks them all without it
	}
	for _, rb := range []int{0, frame.DefaultReadBuffer} {
		for at := 1; at < len(wire); at += step {
			f := frame.NewWithLayout(&testkit.Stream{R: testkit.TimeoutAt(bytes.NewReader(wire), at)}, lay, frame.WithReadBuffer(rb))
			for i, want := range frames {
				read := f.ReadFrameView
				if i == 1 {
					read = f.ReadFrame
				}
				h, body, err := read()
				if errors.Is(err, os.ErrDeadlineExceeded) {
					h, body, err = read()
				}
				if err != nil || !bytes.Equal(h.Fields, want.h.Fields) || !bytes.Equal(body, want.body) {
					t.Fatalf("read buffer %d, timeout at byte %d: frame %d: %x|%d bytes, %v", rb, at, i, h.Fields, len(body), err)
				}
			}
			if _, _, err := f.ReadFrameView(); err != io.EOF {
				t.Fatalf("read buffer %d, timeout at byte %d: after the frames: %v", rb, at, err)
			}
		}
	}
}
