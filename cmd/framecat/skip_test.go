package main

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/layout"
)

// TestSkipThenFrames checks that -skip passes over exactly the unframed
// bytes, for skips longer than framecat's read buffer, inputs that arrive a
// byte at a time, and every preset: inspect, through a Framer, and decode
// see the frames after the skip, and the offsets count the skipped bytes.
func TestSkipThenFrames(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p, err := layout.Lookup(rapid.SampledFrom(layout.Names()).Draw(t, "layout"))
		if err != nil {
			t.Fatal(err)
		}
		skip := rapid.SampledFrom([]int{1, 24, 83, bufferSize - 1, bufferSize, bufferSize + 1, 3*bufferSize + 7}).Draw(t, "skip")
		bodies := rapid.SliceOfN(rapid.SliceOfN(rapid.Byte(), 0, 300), 0, 5).Draw(t, "bodies")
		input := bytes.Repeat([]byte{'P'}, skip)
		for _, b := range bodies {
			if input, err = p.AppendFrame(input, frame.Header{}, b); err != nil {
				t.Fatal(err)
			}
		}
		if rapid.Bool().Draw(t, "one byte at a time") {
			checkSkip(t, p, p.New(stream{r: iotest.OneByteReader(bytes.NewReader(input))}), int64(skip), bodies, len(input))
			return
		}
		checkSkip(t, p, p.New(stream{r: bytes.NewReader(input)}), int64(skip), bodies, len(input))

		// inspect's own path for codecs, where the layout is a plain one.
		if p.Spec().Before == nil && p.Spec().After == nil && p.Spec().Trailer == nil && p.Spec().LengthMask == 0 && p.Spec().Counts == frame.CountsBody {
			c, err := codecByName(map[string]string{"dns": "be16", "kafka": "be32"}[p.String()])
			if err != nil {
				return // a codec framecat has no -codec for (mqtt's vbi)
			}
			var out strings.Builder
			if err := inspect(bufio.NewReaderSize(bytes.NewReader(input), 64), *c, int64(skip), 1<<20, &out, &progress{}); err != nil {
				t.Fatal(err)
			}
			if want := summaryOf(len(bodies), len(input), skip); !strings.Contains(out.String(), want) {
				t.Fatalf("inspect -codec %s -skip %d: no %q in\n%s", c, skip, want, out.String())
			}
		}
	})
}

func checkSkip(t *rapid.T, p layout.Preset, in layout.Conn, skip int64, bodies [][]byte, total int) {
	start, err := skipUnframed(in, skip)
	if err != nil {
		t.Fatal(err)
	}
	if want := bytes.Repeat([]byte{'P'}, int(min(skip, previewSize))); !bytes.Equal(start, want) {
		t.Fatalf("skipUnframed returned %q as the start, want %q", start, want)
	}
	i := 0
	end := skip
	err = eachFrameOf(p, in, skip, func(index int, offset int64, _ frame.Header, body []byte) error {
		if index != i+1 || offset != end || !bytes.Equal(body, bodies[i]) {
			t.Fatalf("frame %d at offset %d, %d bytes; want frame %d at %d, %d bytes", index, offset, len(body), i+1, end, len(bodies[i]))
		}
		end += frameSize(p, len(body))
		i++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if i != len(bodies) || end != int64(total) {
		t.Fatalf("read %d frames ending at %d, want %d ending at %d", i, end, len(bodies), total)
	}
}

// summaryOf is the start of inspect's summary for frames frames of total
// bytes, skip of them unframed.
func summaryOf(frames, total, skip int) string {
	return count(frames, "frame") + ", " + count(total, "byte") + " (" + strconv.Itoa(skip) + " unframed)"
}

// TestSkipShortInput checks the error of an input shorter than -skip, for
// inputs that end in the first read, in a later one, and at once.
func TestSkipShortInput(t *testing.T) {
	http2, err := layout.Lookup("http2")
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []int{0, 1, 23, bufferSize, bufferSize + 5} {
		in := http2.New(stream{r: bytes.NewReader(make([]byte, got))})
		_, err := skipUnframed(in, int64(got)+1)
		want := "-skip " + strconv.Itoa(got+1) + ": the input has only " + count(got, "byte")
		if err == nil || err.Error() != want {
			t.Errorf("input of %d bytes: got %v, want %q", got, err, want)
		}
	}
}
