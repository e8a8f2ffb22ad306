package pb_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/pb"
	"github.com/framekit/framekit/pb/internal/testpb"
)

// readPaths are the two ways Read takes a message from a stream: a view of
// the Framer's buffer, or a ReadMsg slice from a layer that lends no views.
var readPaths = []struct {
	name string
	wrap func(f *frame.Framer[codec.Uvarint]) frame.MsgReader
}{
	{"view", func(f *frame.Framer[codec.Uvarint]) frame.MsgReader { return f }},
	{"ReadMsg", func(f *frame.Framer[codec.Uvarint]) frame.MsgReader { return plainReader{f} }},
}

// framed returns bodies as a uvarint-delimited stream.
func framed(bodies ...[]byte) []byte {
	var s []byte
	for _, b := range bodies {
		s = binary.AppendUvarint(s, uint64(len(b)))
		s = append(s, b...)
	}
	return s
}

// A declared length above the Framer's limit is its *errs.MessageTooLargeError,
// found before the body is read or memory set aside for it, and m is left
// as it was.
func TestReadOfOversizedMessage(t *testing.T) {
	for _, path := range readPaths {
		t.Run(path.name, func(t *testing.T) {
			stream := append(binary.AppendUvarint(nil, 64<<20), "only a few bytes"...)
			f := frame.New[codec.Uvarint](testkit.Reading(stream), frame.WithMaxSize(1<<20))
			m := &testpb.Identify{AgentVersion: "untouched"}
			var err error
			if n := testkit.Allocated(func() { err = pb.Read(path.wrap(f), m) }); n > testkit.AllocSlack {
				t.Errorf("read of a 64 MiB declared length allocated %d bytes", n)
			}
			var tooLarge *errs.MessageTooLargeError
			if !errors.As(err, &tooLarge) || tooLarge.Size != 64<<20 || tooLarge.Max != 1<<20 {
				t.Fatalf("got %v, want a MessageTooLargeError{64 MiB, 1 MiB}", err)
			}
			if m.AgentVersion != "untouched" {
				t.Errorf("m was changed: %v", m)
			}
		})
	}
}

// A stream cut at any byte gives Read exactly the error the Framer's own
// ReadMsg gives at that point: io.EOF itself at a message boundary, the
// Framer's *errs.IncompleteReadError, with its numbers, inside a message.
func TestReadOfTruncatedStream(t *testing.T) {
	msgs := identifies(3)
	stream := referenceStream(t, msgs)
	for _, path := range readPaths {
		for cut := 0; cut <= len(stream); cut++ {
			want := readUntilError(frame.New[codec.Uvarint](testkit.Reading(stream[:cut])))
			f := frame.New[codec.Uvarint](testkit.Reading(stream[:cut]))
			r := path.wrap(f)
			var got error
			var n int
			for got == nil {
				got = pb.Read(r, new(testpb.Identify))
				n++
			}
			if !reflect.DeepEqual(got, want.err) || n-1 != want.count {
				t.Fatalf("%s, cut at %d: read %d messages then %#v; the Framer reads %d then %#v",
					path.name, cut, n-1, got, want.count, want.err)
			}
			if (cut == 0 || cut == len(stream)) && got != io.EOF {
				t.Fatalf("%s, cut at %d: got %v, want io.EOF", path.name, cut, got)
			}
		}
	}
}

type firstError struct {
	count int // messages read before it
	err   error
}

// readUntilError reads raw messages from f until one fails.
func readUntilError(f *frame.Framer[codec.Uvarint]) firstError {
	for n := 0; ; n++ {
		if _, err := f.ReadMsg(); err != nil {
			return firstError{n, err}
		}
	}
}

// invalidBodies are message bodies that are not a valid Identify.
var invalidBodies = map[string][]byte{
	"truncated tag":           {0xff},
	"truncated length":        {0x2a, 0x80},
	"length beyond the body":  {0x2a, 0x05, 'a', 'b'},
	"reserved wire type 7":    {0x0f, 0x00},
	"field number 0":          {0x02, 0x00},
	"invalid UTF-8 string":    {0x2a, 0x01, 0xff}, // proto3 checks strings on unmarshal
	"end group without start": {0x0c},
}

// A body that is not a valid protobuf is an *UnmarshalError matching
// errs.ErrMsgio and wrapping proto's error, and the stream stays in step: the
// message after it reads as it was sent.
func TestReadOfInvalidBody(t *testing.T) {
	before := &testpb.Identify{AgentVersion: "before"}
	after := &testpb.Identify{AgentVersion: "after", Protocols: []string{"/a", "/b"}}
	for name, body := range invalidBodies {
		for _, path := range readPaths {
			stream := framed(mustMarshal(t, before), body, mustMarshal(t, after))
			r := path.wrap(frame.New[codec.Uvarint](testkit.Reading(stream)))
			m := new(testpb.Identify)
			if err := pb.Read(r, m); err != nil || !proto.Equal(m, before) {
				t.Fatalf("%s, %s: first read: %v, %v", name, path.name, m, err)
			}
			err := pb.Read(r, m)
			var bad *pb.UnmarshalError
			if !errors.As(err, &bad) {
				t.Fatalf("%s, %s: got %v, want an *UnmarshalError", name, path.name, err)
			}
			if bad.Size != len(body) || bad.Type != "framekit.pb.test.Identify" || bad.Err == nil {
				t.Errorf("%s, %s: %+v, want Size %d, Type framekit.pb.test.Identify and proto's error",
					name, path.name, bad, len(body))
			}
			for _, target := range []error{errs.ErrMsgio, errs.ErrIO, proto.Error} {
				if !errors.Is(err, target) {
					t.Errorf("%s, %s: %v does not match %v", name, path.name, err, target)
				}
			}
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errs.ErrIncompleteRead) {
				t.Errorf("%s, %s: %v reads as a truncated stream", name, path.name, err)
			}
			if err := pb.Read(r, m); err != nil || !proto.Equal(m, after) {
				t.Fatalf("%s, %s: read after the invalid body: %v, %v", name, path.name, m, err)
			}
			if err := pb.Read(r, m); err != io.EOF {
				t.Fatalf("%s, %s: end of stream: %v, want io.EOF", name, path.name, err)
			}
		}
	}
}

func TestUnmarshalErrorText(t *testing.T) {
	err := pb.Read(frame.New[codec.Uvarint](testkit.Reading(framed([]byte{0xff}))), new(testpb.Identify))
	const prefix = "framekit: pb: a 1-byte message is not a valid framekit.pb.test.Identify: proto:"
	if err == nil || !bytes.HasPrefix([]byte(err.Error()), []byte(prefix)) {
		t.Fatalf("got %q, want it to start with %q", err, prefix)
	}
}

func mustMarshal(t fataler, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatalf("proto.Marshal: %v", err)
	}
	return b
}

// spyWriter is a message writer with a limit that records what it is asked
// to do.
type spyWriter struct {
	max       int
	writeMsgs int // WriteMsg calls
	funcCalls int // WriteMsgFunc calls
}

func (s *spyWriter) WriteMsg([]byte) error { s.writeMsgs++; return nil }
func (s *spyWriter) MaxSize() int          { return s.max }
func (s *spyWriter) WriteMsgFunc(int, func([]byte) ([]byte, error)) error {
	s.funcCalls++
	return nil
}

// A message larger than the writer's MaxSize is refused with an
// *errs.MessageTooLargeError naming both sizes before it is marshalled or
// handed to the writer; one at the limit goes through.
func TestWriteOfOversizedMessage(t *testing.T) {
	m := &testpb.Identify{PublicKey: make([]byte, 1000)}
	size := proto.Size(m)
	for _, limit := range []int{0, size - 1, size} {
		spy := &spyWriter{max: limit}
		err := pb.Write(spy, m)
		if limit == size {
			if err != nil || spy.funcCalls != 1 {
				t.Errorf("limit %d = the size: %v, %d WriteMsgFunc calls", limit, err, spy.funcCalls)
			}
			continue
		}
		var tooLarge *errs.MessageTooLargeError
		if !errors.As(err, &tooLarge) || tooLarge.Size != uint64(size) || tooLarge.Max != uint64(limit) {
			t.Errorf("limit %d: got %v, want a MessageTooLargeError{%d, %d}", limit, err, size, limit)
		}
		if spy.funcCalls+spy.writeMsgs != 0 {
			t.Errorf("limit %d: the writer was called", limit)
		}
	}

	// Over a Framer: nothing reaches the stream, and the next message goes out.
	var out testkit.Buffer
	f := frame.New[codec.Uvarint](&out, frame.WithMaxSize(size-1))
	if err := pb.Write(f, m); !errors.Is(err, errs.ErrMessageTooLarge) || out.Len() != 0 {
		t.Fatalf("got %v and %d bytes written, want ErrMessageTooLarge and nothing", err, out.Len())
	}
	small := &testpb.Identify{AgentVersion: "small"}
	if err := pb.Write(f, small); err != nil || !bytes.Equal(out.Bytes(), referenceStream(t, []*testpb.Identify{small})) {
		t.Fatalf("write after the refused one: %v, wrote %x", err, out.Bytes())
	}
}

// writePaths are the two ways Write hands a message to a stream: built in
// place through WriteMsgFunc, or marshalled and passed to WriteMsg.
var writePaths = []struct {
	name string
	wrap func(f *frame.Framer[codec.Uvarint]) frame.MsgWriter
}{
	{"WriteMsgFunc", func(f *frame.Framer[codec.Uvarint]) frame.MsgWriter { return f }},
	{"WriteMsg", func(f *frame.Framer[codec.Uvarint]) frame.MsgWriter { return plainWriter{f} }},
}

// A message proto refuses to marshal is an error wrapping proto's, not an
// I/O error; nothing is written and the next message goes out.
func TestWriteOfUnmarshallableMessage(t *testing.T) {
	for _, path := range writePaths {
		var out testkit.Buffer
		w := path.wrap(frame.New[codec.Uvarint](&out))
		err := pb.Write(w, &testpb.Identify{AgentVersion: "\xff not UTF-8"})
		if !errors.Is(err, proto.Error) || errors.Is(err, errs.ErrIO) || out.Len() != 0 {
			t.Fatalf("%s: got %v and %d bytes written, want proto's error and nothing", path.name, err, out.Len())
		}
		good := &testpb.Identify{AgentVersion: "fine"}
		if err := pb.Write(w, good); err != nil || !bytes.Equal(out.Bytes(), referenceStream(t, []*testpb.Identify{good})) {
			t.Fatalf("%s: write after the refused one: %v, wrote %x", path.name, err, out.Bytes())
		}
	}
}

// With Merge, a Reader merges each message into m instead of resetting it.
func TestReaderOptions(t *testing.T) {
	stream := referenceStream(t, []*testpb.Identify{
		{AgentVersion: "one", Protocols: []string{"/a"}},
		{Protocols: []string{"/b"}},
	})
	r := pb.NewReader(frame.New[codec.Uvarint](testkit.Reading(stream)),
		pb.WithUnmarshalOptions(proto.UnmarshalOptions{Merge: true}))
	m := new(testpb.Identify)
	for range 2 {
		if err := r.ReadMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	want := &testpb.Identify{AgentVersion: "one", Protocols: []string{"/a", "/b"}}
	if !proto.Equal(m, want) {
		t.Fatalf("merged %v, want %v", m, want)
	}
}

// A nil message or stream is a programmer error: a panic, before anything is
// read or written.
func TestNilArgumentsPanic(t *testing.T) {
	stream := referenceStream(t, []*testpb.Identify{{AgentVersion: "kept"}})
	f := frame.New[codec.Uvarint](testkit.Reading(stream))
	for name, call := range map[string]func(){
		"Read(f, nil)":   func() { pb.Read(f, nil) },
		"Write(f, nil)":  func() { pb.Write(f, nil) },
		"NewReader(nil)": func() { pb.NewReader(nil) },
		"NewWriter(nil)": func() { pb.NewWriter(nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			call()
		}()
	}
	m := new(testpb.Identify)
	if err := pb.Read(f, m); err != nil || m.AgentVersion != "kept" {
		t.Fatalf("the message after the panics: %v, %v", m, err)
	}
}
