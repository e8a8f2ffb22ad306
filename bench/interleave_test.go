package bench

import (
	"errors"
	"testing"
	"time"
)

// interleaveRound is how many operations of one implementation run before
// interleave moves to the next.
const interleaveRound = 1024

// interleave compares implementations on a noisy machine, where running one
// benchmark after another lets the load of other processes, not the code,
// decide their ratio. It runs the fns in turn, interleaveRound calls each,
// until each has run at least b.N times, so that all of them see the same
// interference; it reports each one's mean ns per call as the metric
// "ns/NAME" and returns those means by name. The benchmark's own ns/op is the
// sum over all fns.
func interleave(b *testing.B, names []string, fns []func() error) map[string]float64 {
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
	ns := make(map[string]float64, len(fns))
	for i, name := range names {
		ns[name] = float64(total[i].Nanoseconds()) / float64(rounds*interleaveRound)
		b.ReportMetric(ns[name], "ns/"+name)
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
				interleaveReads(b, interleavedReadImpls, size, func(impl string) func() ([]byte, error) {
					return newRead(c, impl, newLoopReader(data), size)
				})
			})
		}
	}
}

// interleaveReads interleaves the readers that newRead makes for impls, each
// of which must return size-byte messages, and returns interleave's means.
func interleaveReads(b *testing.B, impls []string, size int, newRead func(impl string) func() ([]byte, error)) map[string]float64 {
	fns := make([]func() error, len(impls))
	for i, impl := range impls {
		read := newRead(impl)
		fns[i] = func() error {
			msg, err := read()
			if err == nil && len(msg) != size {
				err = errShortMsg
			}
			return err
		}
	}
	return interleave(b, impls, fns)
}

var errShortMsg = errors.New("message of the wrong length")
