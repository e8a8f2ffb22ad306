package props_test

import (
	"bytes"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// checkNextMsgLen: NextMsgLen returns the length of the message the next
// read returns, however often it is called, and io.EOF at the end. In exact
// mode it consumes the header and nothing more: the stream stands right
// after it and Buffered stays empty; buffered, Buffered starts with that
// header.
func checkNextMsgLen[L codec.LengthCodec](t *rapid.T) {
	cfg := drawRoundTrip[L](t)
	data := encode[L](t, cfg.msgs)
	sp := spans[L](cfg.msgs)
	s := drawStream(t, data)
	r := frame.New[L](s, cfg.readerOptions()...)
	for i, m := range cfg.msgs {
		for k := range rapid.IntRange(0, 3).Draw(t, "peeks") {
			n, err := r.NextMsgLen()
			if n != len(m) || err != nil {
				t.Fatalf("NextMsgLen %d before message %d: (%d, %v), want (%d, nil)", k, i, n, err, len(m))
			}
			if cfg.readBuffer == 0 {
				if s.pos != sp[i].start+sp[i].header || len(r.Buffered()) != 0 {
					t.Fatalf("exact mode, after NextMsgLen: stream at %d with %d bytes buffered, want at %d with none",
						s.pos, len(r.Buffered()), sp[i].start+sp[i].header)
				}
			} else if b := r.Buffered(); !bytes.HasPrefix(data[sp[i].start:], b) || len(b) < sp[i].header {
				t.Fatalf("buffered mode, after NextMsgLen: Buffered holds %d bytes that do not start with frame %d's header", len(b), i)
			}
		}
		w := drawWay(t)
		got, err := readVia(t, r, w, len(m))
		wantMsg(t, w.String()+" of message "+itoa(i)+" after NextMsgLen", got, err, m)
	}
	for range 2 {
		n, err := r.NextMsgLen()
		if n != 0 {
			t.Fatalf("NextMsgLen at the end returned %d", n)
		}
		wantEOF(t, "NextMsgLen at the end", err)
	}
	_, err := r.ReadMsg()
	wantEOF(t, "ReadMsg at the end", err)
}

// checkHandOff: after the last frame is read, the stream can be handed to
// another protocol. Buffered mode: Buffered followed by what is left in the
// stream is exactly the rest of the original stream. Exact mode: the stream
// stands exactly at the end of the last frame and Buffered is empty.
func checkHandOff[L codec.LengthCodec](t *rapid.T) {
	cfg := drawRoundTrip[L](t)
	frames := encode[L](t, cfg.msgs)
	tail := rapid.OneOf(
		rapid.SliceOfN(rapid.Byte(), 0, 64),
		rapid.Map(rapid.IntRange(0, 100<<10), func(n int) []byte { return pattern(n, 3) }),
	).Draw(t, "tail")
	s := drawStream(t, append(frames, tail...))
	r := frame.New[L](s, cfg.readerOptions()...)
	for i, m := range cfg.msgs {
		w := drawWay(t)
		got, err := readVia(t, r, w, len(m))
		wantMsg(t, w.String()+" of message "+itoa(i), got, err, m)
	}
	buffered := r.Buffered()
	if cfg.readBuffer == 0 {
		if s.pos != len(frames) || len(buffered) != 0 {
			t.Fatalf("exact mode: stream at %d with %d bytes buffered, want at %d with none", s.pos, len(buffered), len(frames))
		}
	}
	handed := append(bytes.Clone(buffered), s.rest()...)
	if !bytes.Equal(handed, tail) {
		t.Fatalf("Buffered (%d bytes) and the rest of the stream (%d bytes) are not the %d bytes after the frames (%s)",
			len(buffered), len(s.rest()), len(tail), diff(handed, tail))
	}
}
