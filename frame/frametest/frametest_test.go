package frametest_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/frame/frametest"
)

func TestFramerConforms(t *testing.T) {
	t.Parallel()
	frametest.TestMsgPipe(t, framerPipe, frametest.WithMaxSize(1<<20), frametest.WithStream(framerStream))
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

var broken = map[string]struct {
	failing string // the subtest that must fail
	pipe    frametest.MakePipe
	stream  frametest.MakeStream
}{
	"drop": {"RoundTrip", func() (a, b frame.MsgReadWriteCloser, stop func(), err error) {
		a, b, stop, err = framerPipe()
		return &dropper{MsgReadWriteCloser: a}, b, stop, err
	}, framerStream},
	"view": {"RoundTrip", func() (a, b frame.MsgReadWriteCloser, stop func(), err error) {
		ca, cb := net.Pipe()
		return frame.New[codec.Uvarint](ca, frame.WithMaxSize(1<<20)),
			viewer{frame.New[codec.Uvarint](cb, frame.WithMaxSize(1<<20), frame.WithReadBuffer(1<<21))},
			func() { ca.Close(); cb.Close() }, nil
	}, framerStream},
	"nolimit": {"Limit", func() (a, b frame.MsgReadWriteCloser, stop func(), err error) {
		ca, cb := net.Pipe()
		return frame.New[codec.Uvarint](ca, frame.WithMaxSize(1<<21)), frame.New[codec.Uvarint](cb, frame.WithMaxSize(1<<20)),
			func() { ca.Close(); cb.Close() }, nil
	}, framerStream},
	"eof": {"Truncation", framerPipe, func(w, r conn.ReadWriteCloser) (frame.MsgWriter, frame.MsgReader, error) {
		mw, mr, err := framerStream(w, r)
		return mw, eofer{mr}, err
	}},
	"wrapped": {"Close", func() (a, b frame.MsgReadWriteCloser, stop func(), err error) {
		a, b, stop, err = framerPipe()
		return a, wrappedEOF{b}, stop, err
	}, framerStream},
}

func TestBrokenLayer(t *testing.T) {
	layer, ok := broken[os.Getenv("FRAMETEST_BROKEN")]
	if !ok {
		t.Skip("run by TestHarnessCatches")
	}
	frametest.TestMsgPipe(t, layer.pipe, frametest.WithMaxSize(1<<20), frametest.WithStream(layer.stream),
		frametest.WithTimeout(5*time.Second)) // a lost message leaves the reader waiting

}

func TestHarnessCatches(t *testing.T) {
	t.Parallel()
	for name, layer := range broken {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenLayer$", "-test.v")
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
