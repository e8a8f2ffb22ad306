package frame_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// recorder is a stream that keeps every Write, whole.
type recorder struct {
	out    bytes.Buffer
	writes []int // length of each Write
}

func (r *recorder) Write(p []byte) (int, error) {
	r.writes = append(r.writes, len(p))
	return r.out.Write(p)
}
func (r *recorder) Read([]byte) (int, error) { return 0, nil }
func (r *recorder) Close() error             { return nil }

// batchSizes draws message sizes around every header-length boundary of the
// codecs handled in line (one- and two-byte varints, 16-bit lengths) and
// around the batch size.
func batchSizes(batch int) *rapid.Generator[int] {
	return rapid.OneOf(
		rapid.IntRange(0, 20),
		rapid.IntRange(120, 135),
		rapid.IntRange(16380, 16390),
		rapid.IntRange(max(batch-8, 0), batch+8),
		rapid.IntRange(0, 70000),
	)
}

// checkBatched writes messages through a Framer[L] with a drawn write buffer
// (none for 0), with WriteMsg or in groups with WriteMsgs, and checks that the stream gets exactly the frames
// AppendFrame makes, in order, and that no Write holds more than a batch or
// the largest frame.
func checkBatched[L codec.LengthCodec](t *rapid.T) {
	batch := rapid.SampledFrom([]int{0, 1, 7, 200, 4096, 20000, 64 << 10}).Draw(t, "batch")
	var c L
	limit := int(min(c.MaxLength(), 70000))
	sizes := rapid.SliceOfN(batchSizes(batch), 0, 20).Draw(t, "sizes")
	rec := &recorder{}
	f := frame.New[L](rec, frame.WithWriteBuffer(batch))
	var want []byte
	largest := 0
	msgs := make([][]byte, len(sizes))
	for i, n := range sizes {
		msgs[i] = bytes.Repeat([]byte{byte(i + 1)}, min(n, limit))
		before := len(want)
		var err error
		if want, err = frame.AppendFrame[L](want, msgs[i]); err != nil {
			t.Fatal(err)
		}
		largest = max(largest, len(want)-before)
	}
	for i := 0; i < len(msgs); {
		if group := rapid.IntRange(0, 5).Draw(t, "group"); group > 0 {
			group = min(group, len(msgs)-i)
			if n, err := f.WriteMsgs(msgs[i : i+group]...); n != group || err != nil {
				t.Fatalf("WriteMsgs of messages %d to %d: %d sent, %v", i, i+group-1, n, err)
			}
			i += group
			continue
		}
		if err := f.WriteMsg(msgs[i]); err != nil {
			t.Fatalf("WriteMsg of message %d (%d bytes): %v", i, len(msgs[i]), err)
		}
		i++
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.out.Bytes(), want) {
		t.Fatalf("stream holds %d bytes that differ from the %d AppendFrame makes", rec.out.Len(), len(want))
	}
	for i, n := range rec.writes {
		if n > max(batch, largest) {
			t.Fatalf("Write %d of %d bytes, above the batch of %d", i, n, batch)
		}
	}
}

func TestBatchedFramesAreAppendFrames(t *testing.T) {
	t.Parallel()
	t.Run("BE8", rapid.MakeCheck(checkBatched[codec.BE8]))
	t.Run("BE16", rapid.MakeCheck(checkBatched[codec.BE16]))
	t.Run("BE32", rapid.MakeCheck(checkBatched[codec.BE32]))
	t.Run("LE32", rapid.MakeCheck(checkBatched[codec.LE32]))
	t.Run("Uvarint", rapid.MakeCheck(checkBatched[codec.Uvarint]))
}

// TestWriteMsgsCountsWhatItSent writes groups of messages with WriteMsgs to a
// stream that times out after a drawn number of bytes and then lets a few
// more through after each timeout, going on after each error with the first
// message WriteMsgs did not count as sent. Every message must reach the wire
// exactly once, in order: a count one too high loses a message, one too low
// sends it twice.
func TestWriteMsgsCountsWhatItSent(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		batch := rapid.SampledFrom([]int{0, 16, 300, 4096}).Draw(t, "batch")
		sizes := rapid.SliceOfN(rapid.IntRange(0, 600), 1, 30).Draw(t, "sizes")
		w := &testkit.FailingWriter{Limit: rapid.IntRange(0, 2000).Draw(t, "limit"), Err: os.ErrDeadlineExceeded}
		more := rapid.IntRange(1, 700).Draw(t, "more")
		f := frame.New[codec.Uvarint](&testkit.Stream{W: w}, frame.WithWriteBuffer(batch))
		var want []byte
		msgs := make([][]byte, len(sizes))
		for i, n := range sizes {
			msgs[i] = bytes.Repeat([]byte{byte(i + 1)}, n)
			want, _ = frame.AppendFrame[codec.Uvarint](want, msgs[i])
		}
		for i, tries := 0, 0; i < len(msgs); tries++ {
			if tries > 100000 {
				t.Fatalf("no progress at message %d", i)
			}
			n, err := f.WriteMsgs(msgs[i:]...)
			switch {
			case err == nil && n != len(msgs)-i:
				t.Fatalf("WriteMsgs of %d messages: %d sent and no error", len(msgs)-i, n)
			case err != nil && !errors.Is(err, os.ErrDeadlineExceeded):
				t.Fatalf("WriteMsgs: %v", err)
			case err != nil && n == len(msgs)-i && !errors.Is(err, frame.ErrWriteQueued):
				t.Fatalf("WriteMsgs: all %d sent, yet %v", n, err)
			}
			i += n
			if err != nil {
				w.Limit += more
			}
		}
		for tries := 0; ; tries++ {
			err := f.Flush()
			if err == nil {
				break
			}
			if !errors.Is(err, os.ErrDeadlineExceeded) || tries > 100000 {
				t.Fatalf("Flush: %v", err)
			}
			w.Limit += more
		}
		if !bytes.Equal(w.Got.Bytes(), want) {
			t.Fatalf("the wire holds %d bytes that are not the %d bytes of every message once", w.Got.Len(), len(want))
		}
	})
}

func TestWriteMsgsChecksEveryLimitFirst(t *testing.T) {
	t.Parallel()
	for _, batch := range []int{0, 4096} {
		rec := &recorder{}
		f := frame.New[codec.BE32](rec, frame.WithMaxSize(100), frame.WithWriteBuffer(batch))
		n, err := f.WriteMsgs(repeat('a', 10), repeat('b', 100), repeat('c', 101), repeat('d', 1))
		var tooLarge *errs.MessageTooLargeError
		if n != 0 || !errors.As(err, &tooLarge) || tooLarge.Size != 101 || tooLarge.Max != 100 {
			t.Fatalf("batch %d: WriteMsgs with a 101-byte message over a limit of 100: %d sent, %v", batch, n, err)
		}
		if err := f.Flush(); err != nil || rec.out.Len() != 0 {
			t.Fatalf("batch %d: %d bytes written (Flush: %v), want none", batch, rec.out.Len(), err)
		}
		if n, err := f.WriteMsgs(); n != 0 || err != nil {
			t.Fatalf("batch %d: WriteMsgs(): %d, %v", batch, n, err)
		}
		f.Close()
		n, err = f.WriteMsgs(repeat('e', 1))
		if n != 0 || !errors.Is(err, errs.ErrConnectionClosed) || !errors.Is(err, net.ErrClosed) {
			t.Fatalf("batch %d: WriteMsgs after Close: %d sent, %v", batch, n, err)
		}
	}
}

// TestWriteMsgsKeepsItsFramesTogether has writers send groups over TCP with
// WriteMsgs, unbatched and batched, and checks that the frames of each group
// arrive one after another, in order, whatever the other writers do.
func TestWriteMsgsKeepsItsFramesTogether(t *testing.T) {
	t.Parallel()
	for _, batch := range []int{0, 4096} {
		a, b := testkit.TCPPair(t)
		w := frame.New[codec.Uvarint](a, frame.WithWriteBuffer(batch))
		r := frame.New[codec.Uvarint](b)
		const writers, groups, each = 6, 100, 5
		var wg sync.WaitGroup
		werrs := make([]error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range groups {
					msgs := make([][]byte, each)
					for k := range msgs {
						msgs[k] = repeat(byte(i), []int{0, 3, 200, 5000, 20000}[(j+k)%5]+3)
						msgs[k][0], msgs[k][1] = byte(j), byte(k)
					}
					if n, err := w.WriteMsgs(msgs...); n != each || err != nil {
						werrs[i] = fmt.Errorf("writer %d, group %d: %d sent, %w", i, j, n, err)
						return
					}
				}
				werrs[i] = w.Flush()
			}()
		}
		fail := func(format string, args ...any) {
			w.Close() // ends the writers
			wg.Wait()
			t.Fatalf(format, args...)
		}
		next := make([]int, writers) // the group each writer sends next
		for range writers * groups {
			var from int
			for k := range each {
				msg, err := r.ReadMsg()
				if err != nil {
					fail("batch %d: %v", batch, err)
				}
				i := int(msg[2])
				if k == 0 {
					from = i
				}
				if i != from || int(msg[0]) != next[i]%256 || int(msg[1]) != k {
					fail("batch %d: frame %d of writer %d's group %d is writer %d's frame %d of group %d", batch, k, from, next[from], i, msg[1], msg[0])
				}
			}
			next[from]++
		}
		wg.Wait()
		if err := errors.Join(werrs...); err != nil {
			t.Fatal(err)
		}
	}
}
