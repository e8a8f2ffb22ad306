package bench

import (
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// streamSizes are the message sizes of BenchmarkStreamedTCP. The 1 GiB one
// takes seconds an op, so the one-pass CI run leaves it out: set
// FRAMEKIT_BENCH_1GIB=1 to run it.
var streamSizes = []int{1 << 20, 1 << 30}

// BenchmarkStreamedTCP sends b.N messages of each size over a fresh loopback
// TCP connection, body by body, in constant memory on both ends:
//
//	framekit  WriteMsgFrom from a source on one end, NextReader copied to a
//	          sink on the other, both through 64 KiB buffers
//	iocopy    the limit: the same bytes with no framing, io.CopyBuffer from
//	          the source to the connection and from the connection (bounded
//	          by io.LimitReader) to the sink, through 64 KiB buffers
//
// An op is one message; MB/s is the body throughput.
func BenchmarkStreamedTCP(b *testing.B) {
	for _, size := range streamSizes {
		for _, impl := range []string{"framekit", "iocopy"} {
			b.Run("size="+streamSizeName(size)+"/impl="+impl, func(b *testing.B) {
				if size > 1<<20 && os.Getenv("FRAMEKIT_BENCH_1GIB") == "" {
					b.Skip("set FRAMEKIT_BENCH_1GIB=1 to run the 1 GiB messages")
				}
				x, y := testkit.TCPPair(b)
				deadline := time.Now().Add(10 * time.Minute)
				x.SetDeadline(deadline)
				y.SetDeadline(deadline)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				done := make(chan error, 1)
				sink := make([]byte, 64<<10)
				if impl == "framekit" {
					w := frame.New[codec.BE32](x, frame.WithMaxStreamSize(1<<30))
					r := frame.New[codec.BE32](y, frame.WithMaxStreamSize(1<<30))
					b.ResetTimer()
					go func() {
						for range b.N {
							if err := w.WriteMsgFrom(io.LimitReader(zeroSource{}, int64(size)), size); err != nil {
								done <- err
								return
							}
						}
						done <- nil
					}()
					for range b.N {
						body, n, err := r.NextReader()
						if err != nil || n != size {
							b.Fatal(n, err)
						}
						if k, err := io.CopyBuffer(sinkOnly{}, body, sink); err != nil || k != int64(size) {
							b.Fatal(k, err)
						}
					}
				} else {
					b.ResetTimer()
					go func() {
						buf := make([]byte, 64<<10)
						for range b.N {
							if _, err := io.CopyBuffer(writerOnly{x}, io.LimitReader(zeroSource{}, int64(size)), buf); err != nil {
								done <- err
								return
							}
						}
						done <- nil
					}()
					for range b.N {
						if k, err := io.CopyBuffer(sinkOnly{}, io.LimitReader(y, int64(size)), sink); err != nil || k != int64(size) {
							b.Fatal(k, err)
						}
					}
				}
				b.StopTimer()
				check(b, <-done)
			})
		}
	}
}

// zeroSource is an endless reader that hands out the bytes already in p, as a
// message body in memory costs nothing to produce.
type zeroSource struct{}

func (zeroSource) Read(p []byte) (int, error) { return len(p), nil }

// sinkOnly is a sink without ReadFrom, so that io.CopyBuffer uses the buffer
// it is given.
type sinkOnly struct{}

func (sinkOnly) Write(p []byte) (int, error) { return len(p), nil }

// writerOnly hides a connection's ReadFrom, so that io.CopyBuffer uses the
// buffer it is given.
type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }

// streamSizeName is sizeName, with GiB.
func streamSizeName(n int) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%dGiB", n>>30)
	}
	return sizeName(n)
}
