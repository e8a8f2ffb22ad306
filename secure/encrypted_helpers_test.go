package secure_test

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/secure"
)

// encFlaky is a stream whose first Write fails before writing anything.
type encFlaky struct {
	testkit.Buffer
	failed bool
}

var errEncFlaky = errors.New("flaky write")

func (f *encFlaky) Write(p []byte) (int, error) {
	if !f.failed {
		f.failed = true
		return 0, errEncFlaky
	}
	return f.Buffer.Write(p)
}

// encOpaque hides every method of a message stream but those of
// MsgReadWriteCloser, so that Encrypted takes its generic paths: seal into
// its own buffer, read with ReadMsg.
type encOpaque struct{ frame.MsgReadWriteCloser }

// encAppender is a message stream with AppendMsg but no ReadMsgView.
type encAppender struct {
	frame.MsgReadWriteCloser
	appendMsg func([]byte) ([]byte, error)
}

func (a encAppender) AppendMsg(dst []byte) ([]byte, error) { return a.appendMsg(dst) }

// encInners are the kinds of inner stream Encrypted treats differently.
func encInners[L codec.LengthCodec]() map[string]func(*frame.Framer[L]) frame.MsgReadWriteCloser {
	return map[string]func(*frame.Framer[L]) frame.MsgReadWriteCloser{
		"framer":   func(f *frame.Framer[L]) frame.MsgReadWriteCloser { return f },
		"appender": func(f *frame.Framer[L]) frame.MsgReadWriteCloser { return encAppender{f, f.AppendMsg} },
		"opaque":   func(f *frame.Framer[L]) frame.MsgReadWriteCloser { return encOpaque{f} },
	}
}

// encWire returns the bytes an Encrypted with enc over a Framer[L] puts on
// the wire for msgs.
func encWire[L codec.LengthCodec](t testing.TB, enc secure.Encrypter, msgs ...[]byte) []byte {
	t.Helper()
	var wire testkit.Buffer
	e := secure.NewEncrypted(frame.New[L](&wire), enc)
	for _, m := range msgs {
		if err := e.WriteMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	return wire.Bytes()
}

// encFrames splits wire into its frames, and returns each frame's header
// size too.
func encFrames[L codec.LengthCodec](t testing.TB, wire []byte) (frames [][]byte, headers []int) {
	t.Helper()
	var c L
	for len(wire) > 0 {
		n, size, err := c.DecodeLength(wire)
		if err != nil || uint64(len(wire)-size) < n {
			t.Fatalf("bad wire: %v", err)
		}
		frames = append(frames, wire[:size+int(n)])
		headers = append(headers, size)
		wire = wire[size+int(n):]
	}
	return frames, headers
}

// encReading returns an Encrypted with enc reading wire through an exact-mode
// Framer[L], and the reader, whose Len tells how much was consumed.
func encReading[L codec.LengthCodec](wire []byte, enc secure.Encrypter) (*secure.Encrypted, *bytes.Reader) {
	r := bytes.NewReader(wire)
	return secure.NewEncrypted(frame.New[L](&testkit.Stream{R: r}, frame.WithReadBuffer(0)), enc), r
}

// encAddressed is a TCP connection that reports its peer's address and its
// state, as the conn package's stream adapters do.
type encAddressed struct{ *net.TCPConn }

func (c encAddressed) RemoteAddress() (netip.AddrPort, bool) {
	return c.RemoteAddr().(*net.TCPAddr).AddrPort(), true
}

func (c encAddressed) ConnState() conn.State { return conn.State{Transport: "tcp", Age: time.Second} }
