package bench

import (
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/bufpool"
)

// be32Copy is the hot read path of frame.Framer (buffered mode:
// bufferedFrame, header, fits, bufferedBody, fill, makeRoom, release,
// AppendMsg and ReadMsgView)
// copied line for line with the codec written in: a big-endian uint32 header
// decoded by encoding/binary, and no type parameter. Cold paths (exact mode,
// skipping, large frames read straight into the destination) are left out:
// the benchmarks below never reach them. Comparing it with Framer[BE32] on
// the same stream measures what the type parameter costs, and nothing else.
//
// It must follow frame/read.go: when the hot path there changes, change it
// here too.
type be32Copy struct {
	rw       io.Reader
	maxSize  int
	readSize int

	rmu        sync.Mutex
	buf        []byte
	big        *[]byte
	r, w       int
	pending    int
	pendingHdr int
	skip       uint64 // never set: skipping is not copied
	rerr       error
	stash      error
	view       *[]byte
	small      [512]byte
}

func newBE32Copy(r io.Reader) *be32Copy {
	f := &be32Copy{rw: r, maxSize: frame.DefaultMaxSize, readSize: frame.DefaultReadBuffer, pending: -1}
	f.buf = f.small[:]
	return f
}

var errNotCopied = errors.New("be32Copy: cold path not copied")

func (f *be32Copy) AppendMsg(dst []byte) ([]byte, error) {
	f.rmu.Lock()
	defer f.rmu.Unlock()
	body, ok := f.bufferedFrame()
	if !ok {
		n, err := f.header()
		if err != nil {
			return dst, err
		}
		if !f.fits(n) {
			return dst, errNotCopied
		}
		if body, err = f.bufferedBody(n); err != nil {
			return dst, err
		}
	}
	dst = append(dst, body...)
	f.release()
	return dst, nil
}

func (f *be32Copy) ReadMsgView() ([]byte, error) {
	f.rmu.Lock()
	defer f.rmu.Unlock()
	if body, ok := f.bufferedFrame(); ok {
		return body, nil
	}
	n, err := f.header()
	if err != nil {
		return nil, err
	}
	if f.fits(n) {
		return f.bufferedBody(n)
	}
	return nil, errNotCopied
}

func (f *be32Copy) bufferedFrame() (body []byte, ok bool) {
	if f.pending >= 0 || f.view != nil || f.rerr != nil || f.skip > 0 {
		return nil, false
	}
	src := f.buf[f.r:f.w]
	n, size, err := decodeBE32(src)
	if err != nil || n > uint64(f.maxSize) || n > uint64(len(src)-size) {
		return nil, false
	}
	end := size + int(n)
	f.r += end
	return src[size:end:end], true
}

func (f *be32Copy) fits(n int) bool {
	return f.readSize > 0 && f.pendingHdr+n <= f.readSize
}

func (f *be32Copy) header() (int, error) {
	if f.view != nil {
		bufpool.Put(f.view)
		f.view = nil
	}
	if f.pending >= 0 {
		return f.pending, nil
	}
	if f.rerr != nil {
		return 0, f.rerr
	}
	if f.readSize == 0 {
		return 0, errNotCopied
	}
	n, err := f.bufferedHeader()
	if err != nil {
		return 0, err
	}
	if n > uint64(f.maxSize) {
		f.rerr = errHandTooLarge
		return 0, f.rerr
	}
	f.pending = int(n)
	return f.pending, nil
}

// decodeBE32 is codec.BE32's DecodeLength, written for uint32 alone.
func decodeBE32(src []byte) (uint64, int, error) {
	if len(src) < 4 {
		return 0, 4, codec.ErrShortHeader
	}
	return uint64(binary.BigEndian.Uint32(src)), 4, nil
}

func (f *be32Copy) bufferedHeader() (uint64, error) {
	for {
		n, size, err := decodeBE32(f.buf[f.r:f.w])
		if err == nil {
			f.pendingHdr = size
			return n, nil
		}
		if err != codec.ErrShortHeader {
			f.rerr = err
			return 0, err
		}
		if err := f.fill(size); err != nil {
			if err != io.EOF {
				return 0, err
			}
			if f.r == f.w {
				return 0, io.EOF
			}
			f.rerr = io.ErrUnexpectedEOF
			return 0, f.rerr
		}
	}
}

func (f *be32Copy) bufferedBody(n int) ([]byte, error) {
	total := f.pendingHdr + n
	if err := f.fill(total); err != nil {
		if err != io.EOF {
			return nil, err
		}
		f.rerr = io.ErrUnexpectedEOF
		return nil, f.rerr
	}
	body := f.buf[f.r+f.pendingHdr : f.r+total : f.r+total]
	f.r += total
	f.pending, f.pendingHdr = -1, 0
	return body, nil
}

func (f *be32Copy) fill(need int) error {
	empty := 0
	for f.w-f.r < need {
		if f.stash != nil {
			err := f.stash
			f.stash = nil
			return err
		}
		if f.r == f.w {
			f.release()
			f.r, f.w = 0, 0
		}
		if f.r+need > len(f.buf) || f.w == len(f.buf) {
			f.makeRoom()
		}
		k, err := f.rw.Read(f.buf[f.w:])
		f.w += k
		switch {
		case err != nil:
			if f.w-f.r >= need {
				f.stash = err
				return nil
			}
			return err
		case k == 0:
			if empty++; empty == 100 {
				return io.ErrNoProgress
			}
		default:
			empty = 0
		}
	}
	return nil
}

func (f *be32Copy) makeRoom() {
	if f.big == nil && f.readSize > len(f.buf) {
		f.big = bufpool.Get(f.readSize)
		buf := (*f.big)[:f.readSize]
		f.w = copy(buf, f.buf[f.r:f.w])
		f.r = 0
		f.buf = buf
		return
	}
	f.w = copy(f.buf, f.buf[f.r:f.w])
	f.r = 0
}

func (f *be32Copy) release() {
	if f.big != nil && f.r == f.w {
		bufpool.Put(f.big)
		f.big = nil
		f.r, f.w = 0, 0
		f.buf = f.small[:min(f.readSize, 512)]
	}
}

// genericSizes are the sizes of BenchmarkGeneric: frames served from the read
// buffer, where the codec's share of the work is largest.
var genericSizes = []int{16, 256, 4 << 10}

// BenchmarkGeneric measures what the type parameter costs. For each size it
// reads the same BE32 stream with:
//
//	framekit-BE32    Framer[codec.BE32]
//	copy-BE32        be32Copy: the same read path written for BE32 alone
//	framekit-Uvarint Framer[codec.Uvarint] on the equivalent varint stream
//	hand-bufio       the hand loop on a bufio.Reader
//
// framekit-BE32 / copy-BE32 is the price of the type parameter; the issue's
// target is 1.10 at most.
func BenchmarkGeneric(b *testing.B) {
	for _, size := range genericSizes {
		for _, op := range []string{"append", "view"} {
			for _, impl := range []string{"framekit-BE32", "copy-BE32", "framekit-Uvarint", "hand-bufio"} {
				b.Run("op="+op+"/size="+sizeName(size)+"/impl="+impl, func(b *testing.B) {
					benchGeneric(b, op, impl, size)
				})
			}
		}
	}
}

func benchGeneric(b *testing.B, op, impl string, size int) {
	c := "BE32"
	if impl == "framekit-Uvarint" {
		c = "Uvarint"
	}
	src := newLoopReader(buildStream(c, size))
	var read func([]byte) ([]byte, error)
	switch impl {
	case "framekit-BE32":
		f := frame.New[codec.BE32](src)
		read = f.AppendMsg
		if op == "view" {
			read = func([]byte) ([]byte, error) { return f.ReadMsgView() }
		}
	case "framekit-Uvarint":
		f := frame.New[codec.Uvarint](src)
		read = f.AppendMsg
		if op == "view" {
			read = func([]byte) ([]byte, error) { return f.ReadMsgView() }
		}
	case "copy-BE32":
		f := newBE32Copy(src)
		read = f.AppendMsg
		if op == "view" {
			read = func([]byte) ([]byte, error) { return f.ReadMsgView() }
		}
	case "hand-bufio":
		h := newHandReader(c, src, true)
		read = func([]byte) ([]byte, error) { return h.readMsg() }
	}
	buf := make([]byte, 0, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	got := 0
	for range b.N {
		msg, err := read(buf[:0])
		if err != nil {
			b.Fatal(err)
		}
		got += len(msg)
	}
	b.StopTimer()
	if got != b.N*size {
		b.Fatalf("read %d bytes, want %d", got, b.N*size)
	}
}

// BenchmarkGenericInterleaved is BenchmarkGeneric/op=view made robust to a
// noisy machine: it alternates between Framer[BE32] and be32Copy in rounds
// (see interleave), so that both see the same interference, and reports each
// one's ns per read and their ratio, framekit/copy (the target is 1.10 at
// most).
func BenchmarkGenericInterleaved(b *testing.B) {
	for _, size := range []int{16, 256} {
		b.Run("op=view/size="+sizeName(size), func(b *testing.B) {
			data := buildStream("BE32", size)
			generic := frame.New[codec.BE32](newLoopReader(data))
			plain := newBE32Copy(newLoopReader(data))
			ns := interleave(b, []string{"framekit", "copy"}, []func() error{
				func() error { _, err := generic.ReadMsgView(); return err },
				func() error { _, err := plain.ReadMsgView(); return err },
			})
			b.ReportMetric(ns["framekit"]/ns["copy"], "framekit/copy")
		})
	}
}
