package frame

import (
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/internal/testkit"
)

// A frame up to the scratch array's size, header included, is assembled in
// the scratch array, with no trip to the pool; one byte more is not. The same
// holds for a frame built in place.
func TestSmallFramesUseTheScratch(t *testing.T) {
	for _, extra := range []int{0, 1} {
		s := &testkit.Stream{}
		f := New[codec.BE32](s)
		n := len(f.wr.scratch) - 4 + extra
		if err := f.WriteMsg(make([]byte, n)); err != nil {
			t.Fatal(err)
		}
		if inScratch := &s.LastWrite[0] == &f.wr.scratch[0]; inScratch != (extra == 0) {
			t.Errorf("a frame of scratch size + %d: written from the scratch array: %v", extra, inScratch)
		}
		err := f.WriteMsgFunc(n, func(dst []byte) ([]byte, error) { return append(dst, make([]byte, n)...), nil })
		if err != nil {
			t.Fatal(err)
		}
		if inScratch := &s.LastWrite[0] == &f.wr.scratch[0]; inScratch != (extra == 0) {
			t.Errorf("a frame built in place, of scratch size + %d: written from the scratch array: %v", extra, inScratch)
		}
	}
}
