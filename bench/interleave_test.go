package bench

import (
	"errors"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// interleaveRound is how many operations of one implementation run before
// interleave moves to the next.
const interleaveRound = 1024

// interleave compares implementations on a noisy machine, where running one
// benchmark after another lets the load of other processes, not the code,
// decide their ratio. It runs the fns in turn, interleaveRound calls each,
// until each has run at least b.N times, so that all of them see the same
// interference; it reports each one's mean ns per call as the metric
// "ns/NAME" and returns those means. The benchmark's own ns/op is the sum
// over all fns.
func interleave(b *testing.B, names []string, fns []func() error) []float64 {
	total := make([]time.Duration, len(fns))
	rounds := (b.N + interleaveRound - 1) / interleaveRound
	b.ResetTimer()
	for range rounds {
		for i, fn := range fns {
			start := time.Now()
			for range interleaveRound {
				if err := fn(); err != nil {
					b.Fatalf("%s: %v", names[i], err)
				}
			}
			total[i] += time.Since(start)
		}
	}
	b.StopTimer()
	ns := make([]float64, len(fns))
	for i, name := range names {
		ns[i] = float64(total[i].Nanoseconds()) / float64(rounds*interleaveRound)
		b.ReportMetric(ns[i], "ns/"+name)
	}
	return ns
}

// interleavedReadImpls are the readers BenchmarkReadInterleaved compares;
// see readImpls for what each one does.
var interleavedReadImpls = []string{
	"framekit-view", "framekit-append", "framekit-readmsg",
	"msgio-readmsg", "msgio-readmsg-release", "msgio-read",
	"hand", "hand-bufio",
}

// BenchmarkReadInterleaved is BenchmarkRead at 16 B and 4 KiB with all the
// readers interleaved (see interleave): the ratios of the in-memory
// targets, measured so that the machine's load falls on all of them alike.
// Each reader has its own source over the same stream.
func BenchmarkReadInterleaved(b *testing.B) {
	for _, c := range codecs {
		for _, size := range []int{16, 4 << 10} {
			b.Run("codec="+c+"/size="+sizeName(size), func(b *testing.B) {
				data := buildStream(c, size)
				fns := make([]func() error, len(interleavedReadImpls))
				for i, impl := range interleavedReadImpls {
					if c == "BE32" {
						fns[i] = readOne[codec.BE32](c, impl, newLoopReader(data), size)
					} else {
						fns[i] = readOne[codec.Uvarint](c, impl, newLoopReader(data), size)
					}
				}
				interleave(b, interleavedReadImpls, fns)
			})
		}
	}
}

// readOne returns a function that reads one message from src with impl and
// checks its length.
func readOne[L codec.LengthCodec](c, impl string, src *loopReader, size int) func() error {
	buf := make([]byte, size)
	var read func() ([]byte, error)
	switch impl {
	case "framekit-view":
		read = frame.New[L](src).ReadMsgView
	case "framekit-append":
		f := frame.New[L](src)
		read = func() ([]byte, error) { return f.AppendMsg(buf[:0]) }
	case "framekit-readmsg":
		read = frame.New[L](src).ReadMsg
	case "msgio-readmsg":
		read = newMsgioReader(c, src).ReadMsg
	case "msgio-readmsg-release":
		r := newMsgioReader(c, src)
		var last []byte
		read = func() ([]byte, error) {
			if last != nil {
				r.ReleaseMsg(last)
			}
			var err error
			last, err = r.ReadMsg()
			return last, err
		}
	case "msgio-read":
		r := newMsgioReader(c, src)
		read = func() ([]byte, error) {
			n, err := r.Read(buf)
			return buf[:n], err
		}
	case "hand", "hand-bufio":
		read = newHandReader(c, src, impl == "hand-bufio").readMsg
	default:
		panic("unknown impl " + impl)
	}
	return func() error {
		msg, err := read()
		if err == nil && len(msg) != size {
			err = errShortMsg
		}
		return err
	}
}

var errShortMsg = errors.New("message of the wrong length")
