package bench

import (
	"errors"
	"testing"

	"github.com/framekit/framekit/internal/testkit"
)

// interleaveRound is how many operations of one implementation run before
// interleave moves to the next.
const interleaveRound = 1024

// interleave is testkit.Interleave in rounds of interleaveRound calls.
func interleave(b *testing.B, names []string, fns []func() error) map[string]float64 {
	return testkit.Interleave(b, interleaveRound, names, fns)
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
