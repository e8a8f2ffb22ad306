package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/layout"
)

// frameReader is what eachFrameOf reads frames from: a Framer.
type frameReader interface {
	ReadFrameView() (frame.Header, []byte, error)
}

// messages reads the frames of a plain MsgConn as frameReader: bodies only.
type messages struct{ frame.MsgConn }

func (m messages) ReadFrameView() (frame.Header, []byte, error) {
	body, err := m.ReadMsgView()
	return frame.Header{}, body, err
}

// eachFrame is eachFrameOf for a plain MsgConn of codec c, from offset 0,
// with each frame's body.
func eachFrame(c lengthCodec, in frame.MsgConn, fn func(index int, offset int64, msg []byte) error) error {
	return eachFrameOf(c.plain, messages{in}, 0, func(index int, offset int64, _ frame.Header, body []byte) error {
		return fn(index, offset, body)
	})
}

// eachFrameOf calls fn with every frame read from in, a Framer of layout p,
// its number (from 1) and the offset where it starts, counting from start,
// until a clean end of the stream. A read error comes back as an
// *inputError naming the frame; fn's error comes back as it is. The frame's
// slices are valid only during the call.
func eachFrameOf(p layout.Preset, in frameReader, start int64, fn func(index int, offset int64, h frame.Header, body []byte) error) error {
	offset := start
	for index := 1; ; index++ {
		h, body, err := in.ReadFrameView()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return frameError(index, offset, err)
		}
		if err := fn(index, offset, h, body); err != nil {
			return err
		}
		// The library accepts minimal headers only, so the header's size
		// follows from the length.
		offset += frameSize(p, len(body))
	}
}

// skipUnframed reads and drops the first n bytes of in, which are not
// framed, through the Framer's buffer so that nothing read ahead of them is
// lost. It returns the first previewSize of them or fewer, for inspect. A
// stream shorter than n is an error that says how long it was.
func skipUnframed(in layout.Conn, n int64) (start []byte, err error) {
	buf := make([]byte, min(n, bufferSize))
	var got int64
	for got < n {
		k, err := in.ReadUnframed(buf[:min(n-got, int64(len(buf)))])
		if got == 0 {
			start = append(start, buf[:min(k, previewSize)]...)
		}
		got += int64(k)
		var short *errs.IncompleteReadError
		switch {
		case err == io.EOF, errors.As(err, &short):
			return start, shortInput(n, got)
		case err != nil:
			return start, fmt.Errorf("-skip %d: %w", n, err)
		}
	}
	return start, nil
}

// shortInput is the error of an input of got bytes, fewer than the n that
// -skip passes over.
func shortInput(n, got int64) error {
	return fmt.Errorf("-skip %d: the input has only %s", n, count(got, "byte"))
}
