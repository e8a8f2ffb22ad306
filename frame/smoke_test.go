package frame_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

type rwc struct {
	io.Reader
	io.Writer
}

func (rwc) Close() error { return nil }

func TestSmoke(t *testing.T) {
	for _, rb := range []int{0, 16, 100, 4096, frame.DefaultReadBuffer} {
		var b bytes.Buffer
		w := frame.New[codec.Uvarint](rwc{nil, &b})
		msgs := [][]byte{{}, []byte("a"), bytes.Repeat([]byte("x"), 300), bytes.Repeat([]byte("y"), 200000), {}}
		for _, m := range msgs {
			if err := w.WriteMsg(m); err != nil {
				t.Fatal(err)
			}
		}
		r := frame.New[codec.Uvarint](rwc{&b, nil}, frame.WithReadBuffer(rb))
		for i, m := range msgs {
			var got []byte
			var err error
			switch i % 3 {
			case 0:
				got, err = r.ReadMsg()
			case 1:
				got, err = r.AppendMsg(nil)
			case 2:
				got, err = r.ReadMsgView()
			}
			if err != nil || !bytes.Equal(got, m) {
				t.Fatalf("rb=%d msg %d: %v len %d want %d", rb, i, err, len(got), len(m))
			}
		}
		if _, err := r.ReadMsg(); err != io.EOF {
			t.Fatalf("rb=%d: %v", rb, err)
		}
	}
}
