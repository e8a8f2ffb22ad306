package frame_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand"
	"net"
	"os"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// resumeReaders are the read calls a timeout may cut short, each returning
// a copy of the message.
var resumeReaders = map[string]func(*frame.Framer[codec.Uvarint]) ([]byte, error){
	"ReadMsg":   (*frame.Framer[codec.Uvarint]).ReadMsg,
	"AppendMsg": func(f *frame.Framer[codec.Uvarint]) ([]byte, error) { return f.AppendMsg([]byte{}) },
	"ReadMsgView": func(f *frame.Framer[codec.Uvarint]) ([]byte, error) {
		v, err := f.ReadMsgView()
		return bytes.Clone(v), err
	},
	"NextMsgLen+ReadMsg": func(f *frame.Framer[codec.Uvarint]) ([]byte, error) {
		if _, err := f.NextMsgLen(); err != nil {
			return nil, err
		}
		return f.ReadMsg()
	},
	"Read": func(f *frame.Framer[codec.Uvarint]) ([]byte, error) {
		p := make([]byte, 300000)
		n, err := f.Read(p)
		return p[:n], err
	},
	"Messages": func(f *frame.Framer[codec.Uvarint]) ([]byte, error) {
		for msg, err := range f.Messages() {
			return bytes.Clone(msg), err
		}
		return nil, io.EOF
	},
}

// readThroughTimeouts reads wire, cut by a timeout at each of cuts, with
// read, retrying every read a timeout cut short, and returns the messages.
// It fails t unless every error is such a timeout, and there is one per cut.
func readThroughTimeouts(t *testing.T, wire []byte, cuts []int, read func(*frame.Framer[codec.Uvarint]) ([]byte, error), opts ...frame.Option) [][]byte {
	t.Helper()
	f := frame.New[codec.Uvarint](&testkit.Stream{R: testkit.TimeoutAt(bytes.NewReader(wire), cuts...)}, opts...)
	var msgs [][]byte
	timeouts := 0
	for range 1000 {
		msg, err := read(f)
		switch {
		case err == io.EOF:
			if timeouts != len(cuts) {
				t.Fatalf("cuts %v: %d timeouts reported", cuts, timeouts)
			}
			return msgs
		case err != nil:
			var ne net.Error
			if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("cuts %v: %v (%T), want a timeout", cuts, err, err)
			}
			timeouts++
		default:
			msgs = append(msgs, msg)
		}
	}
	t.Fatalf("cuts %v: no end after 1000 reads", cuts)
	return nil
}

// A timeout that strikes anywhere in a stream, in a header or a body, small
// or large, in buffered or exact mode, through any read call, is never
// sticky and loses nothing: reading on returns every message whole.
func TestReadsResumeAfterATimeout(t *testing.T) {
	small := [][]byte{[]byte("hi"), {}, repeat('m', 300)}
	large := [][]byte{[]byte("a"), repeat('L', 200<<10), []byte("z")}
	for _, msgs := range [][][]byte{small, large} {
		wire := encode[codec.Uvarint](t, msgs...)
		cuts := make([]int, 0, len(wire))
		if len(wire) < 1000 {
			for at := range len(wire) { // every byte
				cuts = append(cuts, at)
			}
		} else { // the headers and their neighbours, and a sample of the body
			cuts = append(cuts, 0, 1, 2, 3, 4, 5, 6, len(wire)-3, len(wire)-2, len(wire)-1)
			for range 30 {
				cuts = append(cuts, 4+rand.Intn(len(wire)-8))
			}
		}
		for _, rb := range readModes {
			for name, read := range resumeReaders {
				for _, at := range cuts {
					got := readThroughTimeouts(t, wire, []int{at}, read, frame.WithReadBuffer(rb), frame.WithMaxSize(1<<20))
					if len(got) != len(msgs) {
						t.Fatalf("%s, read buffer %d, cut at %d: %d messages, want %d", name, rb, at, len(got), len(msgs))
					}
					for i := range msgs {
						if !bytes.Equal(got[i], msgs[i]) {
							t.Fatalf("%s, read buffer %d, cut at %d: message %d differs", name, rb, at, i)
						}
					}
				}
			}
		}
	}
}

// Several timeouts in one large body, and one inside an oversized frame that
// is being skipped: each resumes where the last left off.
func TestReadsResumeAcrossManyTimeouts(t *testing.T) {
	big := repeat('B', 300<<10)
	wire := encode[codec.Uvarint](t, []byte("first"), repeat('X', 5000), big, []byte("last"))
	cuts := []int{10, 100, 2000, 4000, 6000, 70000, 140000, 200000, 300000, len(wire) - 2}
	for _, rb := range readModes {
		got := readThroughTimeouts(t, wire, cuts, resumeReaders["ReadMsg"],
			frame.WithReadBuffer(rb), frame.WithMaxSize(400<<10-1000), frame.WithSkipOversized())
		if len(got) != 4 || string(got[0]) != "first" || !bytes.Equal(got[2], big) || string(got[3]) != "last" {
			t.Fatalf("read buffer %d: %d messages", rb, len(got))
		}
	}
}

// Over real TCP: a read deadline that passes halfway through a large body,
// then the rest arrives and the next read returns the whole message.
func TestReadDeadlineInsideALargeBodyOverTCP(t *testing.T) {
	a, b := testkit.TCPPair(t)
	msg := repeat('T', 1<<20)
	wire := encode[codec.Uvarint](t, msg)
	f := frame.New[codec.Uvarint](a, frame.WithMaxSize(2<<20))
	if _, err := b.Write(wire[:len(wire)/2]); err != nil {
		t.Fatal(err)
	}
	if err := f.SetReadDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadMsg(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read with half the body: %v, want a timeout", err)
	}
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Write(wire[len(wire)/2:]); err != nil {
		t.Fatal(err)
	}
	if got, err := f.ReadMsg(); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("after the rest arrived: %d bytes, %v", len(got), err)
	}
}

// A timeout at every byte of a frame with a 200 KiB body, in exact mode and
// with the default read buffer: the next ReadMsg returns the whole message.
// It takes half a minute, many times that under the race detector, which
// adds nothing to a test with one goroutine: .ci/run runs it without.
func TestReadsResumeAtEveryByteOfALargeFrame(t *testing.T) {
	if testkit.Race || testing.Short() {
		t.Skip("slow; .ci/run runs it without -race")
	}
	msg := repeat('E', 200<<10)
	for i := range msg {
		msg[i] = byte(i * 31)
	}
	wire := encode[codec.Uvarint](t, msg)
	for _, rb := range []int{0, frame.DefaultReadBuffer} {
		for at := range len(wire) {
			f := frame.New[codec.Uvarint](&testkit.Stream{R: testkit.TimeoutAt(bytes.NewReader(wire), at)}, frame.WithReadBuffer(rb))
			if _, err := f.ReadMsg(); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("read buffer %d, cut at %d: %v, want the timeout", rb, at, err)
			}
			if got, err := f.ReadMsg(); err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("read buffer %d, cut at %d: resumed with %d bytes, %v", rb, at, len(got), err)
			}
		}
	}
}
