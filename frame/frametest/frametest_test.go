package frametest_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/frame/frametest"
)

func TestFramerConforms(t *testing.T) {
	t.Parallel()
	frametest.TestMsgPipe(t, framerPipe, frametest.WithMaxSize(1<<20), frametest.WithStream(framerStream))
}

// Without WithMaxSize the harness checks no limit and sends up to 64 KiB + 1.
func TestFramerConformsWithoutLimit(t *testing.T) {
	t.Parallel()
	frametest.TestMsgPipe(t, framerPipe, frametest.WithStream(framerStream))
}

// At a limit of 1 every subtest but Concurrent runs (its stamp needs 5
// bytes); at 5 Concurrent runs with messages that are all stamp.
func TestFramerConformsAtTinyLimits(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 5} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			frametest.TestMsgPipe(t, limitedPipe(limit, limit), frametest.WithMaxSize(limit), frametest.WithStream(limitedStream(limit)))
		})
	}
}

// limitedPipe is framerPipe with limits: a writes at most wmax bytes, b reads
// at most rmax.
func limitedPipe(wmax, rmax int) frametest.MakePipe {
	return func() (a, b frame.MsgReadWriteCloser, stop func(), err error) {
		ca, cb := net.Pipe()
		return frame.New[codec.Uvarint](ca, frame.WithMaxSize(wmax)), frame.New[codec.Uvarint](cb, frame.WithMaxSize(rmax)),
			func() { ca.Close(); cb.Close() }, nil
	}
}

// limitedStream is framerStream with a limit.
func limitedStream(limit int) frametest.MakeStream {
	return func(w, r io.ReadWriteCloser) (frame.MsgWriter, frame.MsgReader, error) {
		return frame.New[codec.Uvarint](w, frame.WithMaxSize(limit)), frame.New[codec.Uvarint](r, frame.WithMaxSize(limit)), nil
	}
}

// The layers below each break one promise. TestBrokenLayer runs the harness
// on the one named by $FRAMETEST_BROKEN, in a child process started by
// TestHarnessCatches, which checks that the right subtest failed.

// dropper loses its fifth message.
type dropper struct {
	frame.MsgReadWriteCloser
	n atomic.Int32
}

func (d *dropper) WriteMsg(m []byte) error {
	if d.n.Add(1) == 5 {
		return nil
	}
	return d.MsgReadWriteCloser.WriteMsg(m)
}

// viewer returns views into its buffer from ReadMsg, which later reads overwrite.
type viewer struct{ *frame.Framer[codec.Uvarint] }

func (v viewer) ReadMsg() ([]byte, error) { return v.ReadMsgView() }

// eofer reports a truncated frame as a clean end, as go-msgio does.
type eofer struct{ frame.MsgReader }

func (e eofer) ReadMsg() ([]byte, error) {
	m, err := e.MsgReader.ReadMsg()
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return m, err
}

// wrappedEOF wraps io.EOF, so that callers comparing with == miss it.
type wrappedEOF struct{ frame.MsgReadWriteCloser }

func (w wrappedEOF) ReadMsg() ([]byte, error) {
	m, err := w.MsgReadWriteCloser.ReadMsg()
	if err == io.EOF {
		err = fmt.Errorf("read: %w", err)
	}
	return m, err
}

// racy shares one scratch buffer among its writers without a lock, so
// concurrent writes send each other's contents.
type racy struct {
	frame.MsgReadWriteCloser
	scratch []byte
}

func (r *racy) WriteMsg(m []byte) error {
	n := copy(r.scratch, m)
	runtime.Gosched()
	return r.MsgReadWriteCloser.WriteMsg(r.scratch[:n])
}

var broken = map[string]struct {
	failing string // the subtest that must fail
	limit   int    // the layer's limit, told to the harness unless 0
	pipe    frametest.MakePipe
	stream  frametest.MakeStream
}{
	"drop": {"RoundTrip", 1 << 20, dropPipe, framerStream},
	// Without a limit the harness must still send enough messages.
	"drop-unlimited": {"RoundTrip", 0, dropPipe, framerStream},
	"view": {"RoundTrip", 1 << 20, func() (a, b frame.MsgReadWriteCloser, stop func(), err error) {
		ca, cb := net.Pipe()
		return frame.New[codec.Uvarint](ca, frame.WithMaxSize(1<<20)),
			viewer{frame.New[codec.Uvarint](cb, frame.WithMaxSize(1<<20), frame.WithReadBuffer(1<<21))},
			func() { ca.Close(); cb.Close() }, nil
	}, framerStream},
	// A layer that carries one byte less than it claims: RoundTrip must
	// send a message of exactly the limit.
	"short":   {"RoundTrip", 1 << 20, limitedPipe(1<<20-1, 1<<20), framerStream},
	"nolimit": {"Limit", 1 << 20, limitedPipe(1<<21, 1<<20), framerStream},
	"racy":    {"Concurrent", 1 << 20, racyPipe, framerStream},
	// At the smallest limit at which Concurrent runs.
	"racy-tight":    {"Concurrent", 5, racyPipe, limitedStream(5)},
	"eof":           {"Truncation", 1 << 20, framerPipe, eofStream},
	"eof-unlimited": {"Truncation", 0, framerPipe, eofStream},
	"wrapped": {"Close", 1 << 20, func() (a, b frame.MsgReadWriteCloser, stop func(), err error) {
		a, b, stop, err = framerPipe()
		return a, wrappedEOF{b}, stop, err
	}, framerStream},
}

func dropPipe() (a, b frame.MsgReadWriteCloser, stop func(), err error) {
	a, b, stop, err = framerPipe()
	return &dropper{MsgReadWriteCloser: a}, b, stop, err
}

func racyPipe() (a, b frame.MsgReadWriteCloser, stop func(), err error) {
	a, b, stop, err = framerPipe()
	return &racy{MsgReadWriteCloser: a, scratch: make([]byte, 1<<20)}, b, stop, err
}

func eofStream(w, r io.ReadWriteCloser) (frame.MsgWriter, frame.MsgReader, error) {
	mw, mr, err := framerStream(w, r)
	return mw, eofer{mr}, err
}

func TestBrokenLayer(t *testing.T) {
	layer, ok := broken[os.Getenv("FRAMETEST_BROKEN")]
	if !ok {
		t.Skip("run by TestHarnessCatches")
	}
	opts := []frametest.Option{frametest.WithStream(layer.stream),
		frametest.WithTimeout(5 * time.Second)} // a lost message leaves the reader waiting
	if layer.limit > 0 {
		opts = append(opts, frametest.WithMaxSize(layer.limit))
	}
	frametest.TestMsgPipe(t, layer.pipe, opts...)
}

func TestHarnessCatches(t *testing.T) {
	t.Parallel()
	for name, layer := range broken {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// The child's own timeout bounds it even if this process dies
			// first: go test's timeout kills only the test binary it started.
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenLayer$", "-test.v", "-test.timeout=2m")
			cmd.Env = append(os.Environ(), "FRAMETEST_BROKEN="+name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("harness passed a layer that breaks %s (err %v):\n%s", layer.failing, err, out)
			}
			// A broken layer may fail several subtests; the one that checks
			// the broken promise must be among them.
			if !strings.Contains(string(out), "--- FAIL: TestBrokenLayer/"+layer.failing+" ") {
				t.Errorf("subtest %s passed; output:\n%s", layer.failing, out)
			}
		})
	}
}
