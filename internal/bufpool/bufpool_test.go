package bufpool

import "testing"

func TestGetSizes(t *testing.T) {
	cases := []struct{ n, want int }{
		{0, 512}, {1, 512}, {512, 512}, {513, 1024}, {1024, 1024}, {1025, 2048},
		{64 << 10, 64 << 10}, {64<<10 + 1, 128 << 10}, {64 << 20, 64 << 20}, {64<<20 + 1, 64<<20 + 1},
	}
	for _, c := range cases {
		p := Get(c.n)
		if len(*p) != c.want || cap(*p) != c.want {
			t.Errorf("Get(%d): len %d cap %d, want %d", c.n, len(*p), cap(*p), c.want)
		}
	}
}

func TestPutThenReuse(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers at random")
	}
	// A 3000-byte slice covers the 2048 class, not the 4096 one.
	b := make([]byte, 10, 3000)
	Put(&b)
	if p := Reuse(4096); p != nil {
		t.Fatalf("Reuse(4096) returned a %d-byte slice", cap(*p))
	}
	p := Reuse(2000)
	if p == nil || len(*p) != 2048 || cap(*p) < 2048 {
		t.Fatalf("Reuse(2000) after a 3000-byte Put: %v", p)
	}
	// Too small and too large slices are not pooled.
	small := make([]byte, 511)
	Put(&small)
	if p := Reuse(1); p != nil {
		t.Fatalf("a 511-byte slice was pooled")
	}
	huge := make([]byte, 128<<20)
	Put(&huge)
	if p := Reuse(64 << 20); p != nil {
		t.Fatalf("a 128 MiB slice was pooled")
	}
	if p := Reuse(64<<20 + 1); p != nil {
		t.Fatal("Reuse pooled beyond the largest class")
	}
	// The largest class is pooled.
	largest := make([]byte, 64<<20)
	Put(&largest)
	if p := Reuse(64 << 20); p == nil || cap(*p) != 64<<20 {
		t.Fatal("a 64 MiB slice was not pooled")
	}
	// A slice between two classes, filed in the lower one, serves a
	// request of exactly its capacity.
	between := make([]byte, 768)
	Put(&between)
	if p := Reuse(768); p == nil || len(*p) != 768 {
		t.Fatalf("Reuse(768) after a 768-byte Put: %v", p)
	}
}

func TestGetReturnsPooled(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers at random")
	}
	b := make([]byte, 8192)
	b[0] = 42
	Put(&b)
	if p := Get(5000); (*p)[0] != 42 || len(*p) != 8192 {
		t.Fatal("Get did not return the pooled slice")
	}
}
