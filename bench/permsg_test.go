package bench

import (
	"bufio"
	"encoding/binary"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// perMsgImpls are the implementations BenchmarkPerMessage interleaves in each
// of its three jobs, all with BE32 headers and 16-byte bodies:
//
//	framekit            a Framer: ReadMsgView (read); WriteMsg with
//	                    WithWriteBuffer(64 KiB) (write); WriteMsg batched on
//	                    one end, AppendMsg into a reused buffer on the other
//	                    (tcp)
//	framekit-writemsgs  write and tcp only: the messages handed to WriteMsgs
//	                    perMsgGroup at a time, one lock for each group
//	hand                the bare hand loop: two io.ReadFull per frame (read);
//	                    header and body Write into a 64 KiB bufio.Writer
//	                    (write); both of those over bufio on both ends (tcp)
//	hand-guarded        the hand loop with the Framer's guarantees: a mutex
//	                    around every call, the limit checked, typed errors
//	                    (*errs.MessageTooLargeError, *errs.IncompleteReadError)
var perMsgImpls = []string{"framekit", "framekit-writemsgs", "hand", "hand-guarded"}

// perMsgSize is the body size of every frame of BenchmarkPerMessage.
const perMsgSize = 16

// perMsgGroup is how many messages one call of a job=write function writes,
// and how many framekit-writemsgs hands to one WriteMsgs.
const perMsgGroup = 16

// BenchmarkPerMessage measures what framekit costs per message against the
// hand-written loop doing the same job over the same bytes, in the three jobs
// of issue 15 (job=read, job=write, job=tcp). In each job the implementations
// run interleaved (see interleave), so that the machine's load falls on all of
// them alike, and each one's time is the median over turns of 1024 messages
// (see interleaveGroups); -count repeats the whole comparison. Besides each
// implementation's ns per message it reports the ratios hand/framekit and
// hand-guarded/framekit (times: 1 means as fast as the hand loop), and, where
// it runs, hand/framekit-writemsgs.
func BenchmarkPerMessage(b *testing.B) {
	b.Run("job=read", func(b *testing.B) {
		data := buildStream("BE32", perMsgSize)
		impls := []string{"framekit", "hand", "hand-guarded"}
		var fns []func() error
		for _, impl := range impls {
			src := newLoopReader(data)
			var read func() ([]byte, error)
			switch impl {
			case "framekit":
				read = frame.New[codec.BE32](src).ReadMsgView
			case "hand":
				read = newHandReader("BE32", src, false).readMsg
			default:
				read = newGuardedReader(src, false).readMsg
			}
			fns = append(fns, func() error {
				msg, err := read()
				if err == nil && len(msg) != perMsgSize {
					err = errShortMsg
				}
				return err
			})
		}
		reportPerMsg(b, interleaveGroups(b, impls, fns, 1))
	})
	b.Run("job=write", func(b *testing.B) {
		msg := make([]byte, perMsgSize)
		var fns []func() error
		for _, impl := range perMsgImpls {
			fns = append(fns, newPerMsgWrite(impl, discard{}, msg))
		}
		reportPerMsg(b, interleaveGroups(b, perMsgImpls, fns, perMsgGroup))
	})
	b.Run("job=tcp", func(b *testing.B) {
		var fns []func() error
		for _, impl := range perMsgImpls {
			fns = append(fns, newPerMsgTCP(b, impl))
		}
		reportPerMsg(b, interleaveGroups(b, perMsgImpls, fns, perMsgRound))
	})
}

// perMsgRound is how many messages one call of a job=tcp function sends and
// receives: 80 KiB of frames, more than one 64 KiB batch.
const perMsgRound = 4096

// interleaveGroups is interleave for functions that each handle perCall
// messages a call, made robust to a loaded machine: it runs each in turn for
// a turn of interleaveRound messages (at least one call), until each has
// handled at least b.N, and reports and returns, under "ns/NAME", the median
// over the turns of each one's ns per message. A turn lasts microseconds, so
// a turn that the scheduler interrupts is an outlier the median drops, where
// a mean would charge it to whichever implementation it struck.
func interleaveGroups(b *testing.B, names []string, fns []func() error, perCall int) map[string]float64 {
	calls := max(interleaveRound/perCall, 1)
	rounds := (b.N + calls*perCall - 1) / (calls * perCall)
	turns := make([][]float64, len(fns))
	for i := range turns {
		turns[i] = make([]float64, 0, rounds)
	}
	b.ResetTimer()
	for range rounds {
		for i, fn := range fns {
			start := time.Now()
			for range calls {
				if err := fn(); err != nil {
					b.Fatalf("%s: %v", names[i], err)
				}
			}
			turns[i] = append(turns[i], float64(time.Since(start).Nanoseconds())/float64(calls*perCall))
		}
	}
	b.StopTimer()
	ns := make(map[string]float64, len(fns))
	for i, name := range names {
		slices.Sort(turns[i])
		ns[name] = turns[i][len(turns[i])/2]
		b.ReportMetric(ns[name], "ns/"+name)
	}
	return ns
}

// reportPerMsg reports the ratios of BenchmarkPerMessage from the ns per
// message of each implementation.
func reportPerMsg(b *testing.B, ns map[string]float64) {
	b.ReportMetric(ns["hand"]/ns["framekit"], "hand/framekit")
	b.ReportMetric(ns["hand-guarded"]/ns["framekit"], "hand-guarded/framekit")
	if v, ok := ns["framekit-writemsgs"]; ok {
		b.ReportMetric(ns["hand"]/v, "hand/framekit-writemsgs")
	}
}

// msgWriter is the write side of one implementation of BenchmarkPerMessage.
type msgWriter struct {
	group func() error // writes perMsgGroup messages
	flush func() error
}

// newMsgWriter returns impl's writer on w, batched in 64 KiB, of msg.
func newMsgWriter(impl string, w io.ReadWriteCloser, msg []byte) msgWriter {
	switch impl {
	case "framekit", "framekit-writemsgs":
		f := frame.New[codec.BE32](w, frame.WithWriteBuffer(64<<10))
		if impl == "framekit-writemsgs" {
			group := make([][]byte, perMsgGroup)
			for i := range group {
				group[i] = msg
			}
			return msgWriter{func() error { _, err := f.WriteMsgs(group...); return err }, f.Flush}
		}
		return msgWriter{func() error {
			for range perMsgGroup {
				if err := f.WriteMsg(msg); err != nil {
					return err
				}
			}
			return nil
		}, f.Flush}
	case "hand":
		h := newHandWriter("BE32", w, true)
		return msgWriter{func() error {
			for range perMsgGroup {
				if err := h.writeMsg(msg); err != nil {
					return err
				}
			}
			return nil
		}, h.flush}
	case "hand-guarded":
		g := newGuardedWriter(w)
		return msgWriter{func() error {
			for range perMsgGroup {
				if err := g.writeMsg(msg); err != nil {
					return err
				}
			}
			return nil
		}, g.flush}
	}
	panic("unknown per-message impl " + impl)
}

// newPerMsgWrite returns a function that writes perMsgGroup messages to w
// with impl.
func newPerMsgWrite(impl string, w io.ReadWriteCloser, msg []byte) func() error {
	return newMsgWriter(impl, w, msg).group
}

// newPerMsgTCP returns a function that sends perMsgRound messages with impl
// over a TCP connection on 127.0.0.1, batched and flushed at the end, while a
// goroutine reads them on the other end, and returns when all have arrived.
func newPerMsgTCP(b *testing.B, impl string) func() error {
	x, y := testkit.TCPPair(b)
	deadline := time.Now().Add(10 * time.Minute)
	check(b, x.SetDeadline(deadline))
	check(b, y.SetDeadline(deadline))
	msg := make([]byte, perMsgSize)
	w := newMsgWriter(impl, x, msg)
	var read func() ([]byte, error)
	switch impl {
	case "framekit", "framekit-writemsgs":
		f := frame.New[codec.BE32](y)
		buf := make([]byte, 0, perMsgSize)
		read = func() ([]byte, error) { return f.AppendMsg(buf[:0]) }
	case "hand":
		read = newHandReader("BE32", y, true).readMsg
	default:
		read = newGuardedReader(y, true).readMsg
	}
	start, done := make(chan struct{}), make(chan error)
	go func() {
		for range start {
			var err error
			for range perMsgRound {
				var got []byte
				if got, err = read(); err == nil && len(got) != perMsgSize {
					err = errShortMsg
				}
				if err != nil {
					break
				}
			}
			done <- err
		}
	}()
	b.Cleanup(func() { close(start) })
	return func() error {
		start <- struct{}{}
		var err error
		for i := 0; i < perMsgRound && err == nil; i += perMsgGroup {
			err = w.group()
		}
		if err == nil {
			err = w.flush()
		}
		if rerr := <-done; err == nil {
			err = rerr
		}
		return err
	}
}

// guardedReader is the hand-written BE32 reader with the Framer's guarantees:
// a mutex serializes the calls, the declared length is checked against the
// limit before the body is read, and a stream that ends inside a frame is an
// *errs.IncompleteReadError, as the Framer's are.
type guardedReader struct {
	mu  sync.Mutex
	r   io.Reader
	hdr [4]byte
	buf []byte
}

func newGuardedReader(r io.Reader, buffered bool) *guardedReader {
	if buffered {
		r = bufio.NewReaderSize(r, frame.DefaultReadBuffer)
	}
	return &guardedReader{r: r}
}

// readMsg returns the next message in the reused buffer.
func (g *guardedReader) readMsg() ([]byte, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if k, err := io.ReadFull(g.r, g.hdr[:]); err != nil {
		return nil, guardedErr(err, len(g.hdr), k, errs.ErrMissingLength)
	}
	n := uint64(binary.BigEndian.Uint32(g.hdr[:]))
	if n > maxMsg {
		return nil, &errs.MessageTooLargeError{Size: n, Max: maxMsg}
	}
	if uint64(cap(g.buf)) < n {
		g.buf = make([]byte, n)
	}
	msg := g.buf[:n]
	if k, err := io.ReadFull(g.r, msg); err != nil {
		return nil, guardedErr(err, int(n), k, errs.ErrMissingMessage)
	}
	return msg, nil
}

// guardedErr types an error of io.ReadFull that read k of want bytes of part.
func guardedErr(err error, want, k int, part error) error {
	if err == io.ErrUnexpectedEOF || err == io.EOF && part == errs.ErrMissingMessage {
		return &errs.IncompleteReadError{Expected: want, Received: k, Part: part}
	}
	return err
}

// guardedWriter is the hand-written batched BE32 writer with the Framer's
// guarantees: a mutex keeps concurrent frames whole, and a message above the
// limit is an *errs.MessageTooLargeError that writes nothing.
type guardedWriter struct {
	mu  sync.Mutex
	w   *bufio.Writer
	hdr [4]byte
}

func newGuardedWriter(w io.Writer) *guardedWriter {
	return &guardedWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

func (g *guardedWriter) writeMsg(msg []byte) error {
	if len(msg) > maxMsg {
		return &errs.MessageTooLargeError{Size: uint64(len(msg)), Max: maxMsg}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	binary.BigEndian.PutUint32(g.hdr[:], uint32(len(msg)))
	if _, err := g.w.Write(g.hdr[:]); err != nil {
		return err
	}
	_, err := g.w.Write(msg)
	return err
}

func (g *guardedWriter) flush() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.w.Flush()
}
