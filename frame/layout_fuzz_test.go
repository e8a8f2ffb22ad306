package frame_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/layout"
)

// FuzzLayoutRead reads arbitrary bytes with a Framer of each preset layout,
// any read buffer, a small limit and reads cut as the fuzzer says, and checks
// that it never panics; that every frame it returns is exactly the bytes it
// consumed (re-encoded with its fields, the frames make a prefix of the
// input); that a buffered and an exact Framer agree frame for frame and on
// the error that ends them; and that the error is io.EOF itself, or matches
// errs.ErrIO.
func FuzzLayoutRead(f *testing.F) {
	for _, seed := range [][]byte{
		{'Z', 0, 0, 0, 5, 'I'},
		{0, 0, 4, 4, 0, 0, 0, 0, 0, 1, 2, 3, 4},
		{1, 0, 0, 0, 0, 0, 2, 'h', 'i', 0xCE},
		{0x30, 0x82, 0x01, 'x', 'x'},
	} {
		f.Add(seed, uint8(0), uint16(100), uint16(64), []byte{3})
	}
	names := layout.Names()
	f.Fuzz(func(t *testing.T, data []byte, which uint8, readBuffer, limit uint16, steps []byte) {
		p, err := layout.Lookup(names[int(which)%len(names)])
		if err != nil {
			t.Fatal(err)
		}
		type frameRead struct {
			h    frame.Header
			body []byte
		}
		read := func(buffer int) ([]frameRead, error) {
			conn := p.New(testkit.Scheduled(data, steps), frame.WithReadBuffer(buffer), frame.WithMaxSize(int(limit)))
			var frames []frameRead
			for {
				h, body, err := conn.ReadFrame()
				if err != nil {
					return frames, err
				}
				frames = append(frames, frameRead{h, body})
			}
		}
		frames, err := read(int(readBuffer))
		if err != io.EOF && !errors.Is(err, errs.ErrIO) {
			t.Fatalf("%s: error %v (%T) matches neither io.EOF nor errs.ErrIO", p, err, err)
		}
		var wire []byte
		for i, fr := range frames {
			var werr error
			if wire, werr = p.AppendFrame(wire, fr.h, fr.body); werr != nil {
				t.Fatalf("%s: frame %d read but not written: %v", p, i, werr)
			}
		}
		if !bytes.HasPrefix(data, wire) {
			t.Fatalf("%s: the frames read re-encode as %x, not a prefix of %x", p, wire, data)
		}
		exact, exactErr := read(0)
		if len(exact) != len(frames) || errString(exactErr) != errString(err) {
			t.Fatalf("%s: buffered read %d frames then %v; exact %d then %v", p, len(frames), err, len(exact), exactErr)
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
