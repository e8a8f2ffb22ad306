package main

import (
	"io"

	"github.com/framekit/framekit/frame"
)

// eachFrame calls fn with every message read from in, its frame's number
// (from 1) and the offset where the frame starts, until a clean end of the
// stream. A read error comes back as an *inputError naming the frame; fn's
// error comes back as it is. The message is valid only during the call.
func eachFrame(c lengthCodec, in frame.MsgConn, fn func(index int, offset int64, msg []byte) error) error {
	var offset int64
	for index := 1; ; index++ {
		msg, err := in.ReadMsgView()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return frameError(index, offset, err)
		}
		if err := fn(index, offset, msg); err != nil {
			return err
		}
		// The library accepts minimal headers only, so the header's size
		// follows from the length.
		offset += int64(c.HeaderSize(uint64(len(msg))) + len(msg))
	}
}
