package pb_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/pb"
	"github.com/framekit/framekit/pb/internal/testpb"
)

// In steady state Write allocates nothing, whether it builds the message in
// the frame or marshals it into its pooled buffer, and Read allocates no more
// than proto.Unmarshal of the same body does on its own: the body is not
// copied out of the Framer.
func TestSteadyStateAllocations(t *testing.T) {
	if testkit.Race {
		t.Skip("the race detector makes sync.Pool drop buffers at random")
	}
	msgs := identifies(40)
	for _, m := range []*testpb.Identify{msgs[0], msgs[3], msgs[39]} {
		body := mustMarshal(t, m)
		f := frame.New[codec.Uvarint](&testkit.Stream{R: testkit.Repeat(referenceStream(t, []*testpb.Identify{m}))})
		var plain frame.MsgWriter = plainWriter{f}
		into := new(testpb.Identify)
		cases := []struct {
			name string
			fn   func()
			max  float64
		}{
			{"Write", func() { pb.Write(f, m) }, 0},
			{"Write through WriteMsg", func() { pb.Write(plain, m) }, 0},
			{"Read", func() { pb.Read(f, into) }, testing.AllocsPerRun(100, func() { proto.Unmarshal(body, into) })},
		}
		for _, c := range cases {
			c.fn() // warm the pools
			if got := testing.AllocsPerRun(200, c.fn); got > c.max {
				t.Errorf("%d-byte message: %s: %v allocations, want at most %v", len(body), c.name, got, c.max)
			}
		}
		if !proto.Equal(into, m) {
			t.Fatalf("read %v, want %v", into, m)
		}
	}
}
