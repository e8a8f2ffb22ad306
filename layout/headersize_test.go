package layout_test

import (
	"testing"

	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/layout"
)

// TestPresetHeaderSize checks every preset's HeaderSize against the frames
// its AppendFrame writes, for bodies around the sizes where MQTT's variable
// byte integer grows, and names the sizes of a few headers outright.
func TestPresetHeaderSize(t *testing.T) {
	for _, name := range layout.Names() {
		p, err := layout.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		trailer := len(p.Spec().Trailer)
		for _, n := range []int{0, 1, 127, 128, 16383, 16384, 65535, 2097151, 2097152} {
			if uint64(n) > p.MaxBody() {
				continue
			}
			fr, err := p.AppendFrame(nil, frame.Header{}, make([]byte, n))
			if err != nil {
				t.Fatalf("%s: AppendFrame of %d bytes: %v", name, n, err)
			}
			if got := p.HeaderSize(n) + n + trailer; got != len(fr) {
				t.Errorf("%s: HeaderSize(%d) = %d makes a frame of %d bytes; AppendFrame wrote %d", name, n, p.HeaderSize(n), got, len(fr))
			}
		}
	}
	for _, c := range []struct {
		name string
		n    int
		want int
	}{
		{"postgres", 100, 5}, {"http2", 100, 9}, {"amqp", 100, 7}, {"mongodb", 100, 16},
		{"mqtt", 127, 2}, {"mqtt", 128, 3}, {"mqtt", 16384, 4}, {"mqtt", 2097152, 5},
	} {
		p, err := layout.Lookup(c.name)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.HeaderSize(c.n); got != c.want {
			t.Errorf("%s: HeaderSize(%d) = %d, want %d", c.name, c.n, got, c.want)
		}
	}
}
