package pb

import (
	"google.golang.org/protobuf/proto"

	"github.com/framekit/framekit/frame"
)

// Read reads the next message from r and unmarshals it into m, with the
// default proto.UnmarshalOptions. It is NewReader(r).ReadMsg(m) without the
// Reader; see Reader.ReadMsg for what it costs and returns.
func Read(r frame.MsgReader, m proto.Message) error {
	view, _ := r.(frame.MsgViewReader)
	return read(r, view, proto.UnmarshalOptions{}, m)
}

// Reader reads protobuf messages from a framekit message reader, one per
// message. Its ReadMsg has the signature of go-msgio's pbio.Reader, so code
// written against pbio accepts a Reader unchanged. Create one with NewReader.
//
// A Reader keeps no state between calls besides its options. Its reads must
// not run concurrently with each other or with other reads of the same
// stream: a view a read borrows is valid only until the stream's next read
// call.
type Reader struct {
	src  frame.MsgReader
	view frame.MsgViewReader // src, if it lends views
	opts proto.UnmarshalOptions
}

// ReaderOption configures a Reader.
type ReaderOption func(*Reader)

// WithUnmarshalOptions makes the Reader unmarshal with o: to merge into the
// message rather than reset it (Merge), to accept a message whose required
// fields are missing (AllowPartial), to discard unknown fields
// (DiscardUnknown), to resolve extensions (Resolver), or to bound nesting
// (RecursionLimit). The zero value, the default, is proto.Unmarshal's
// behaviour.
func WithUnmarshalOptions(o proto.UnmarshalOptions) ReaderOption {
	return func(r *Reader) { r.opts = o }
}

// NewReader returns a Reader of the messages of r, which it does not own:
// closing r is the caller's business. Options are applied in order. NewReader
// panics if r is nil.
func NewReader(r frame.MsgReader, opts ...ReaderOption) *Reader {
	if r == nil {
		panic("pb: NewReader with a nil reader")
	}
	rd := &Reader{src: r}
	rd.view, _ = r.(frame.MsgViewReader)
	for _, o := range opts {
		o(rd)
	}
	return rd
}

// ReadMsg reads the next message of the stream and unmarshals it into m,
// which must be a non-nil, mutable message (a pointer to a generated struct,
// say). Unless the options say Merge, m is reset first.
//
// When the stream lends views (frame.MsgViewReader), the body is unmarshalled
// where it lies, in the stream's memory: it is not copied, and ReadMsg
// allocates only what proto.Unmarshal allocates for m's fields. m keeps no
// reference to the stream's memory: proto.Unmarshal copies the bytes and
// strings it keeps. Otherwise ReadMsg takes the stream's ReadMsg slice.
//
// Errors of the stream are returned as they are: io.EOF, unwrapped, at a clean
// end; over a Framer, an *errs.MessageTooLargeError for a declared length above
// its MaxSize, found before any of the body is read, an
// *errs.IncompleteReadError for a stream cut inside a frame, and so on (see
// frame.Framer). m is untouched by those. A body that is not a valid encoding
// of m's type (or lacks a required field) is an *UnmarshalError, and m may
// then hold some of its fields; the message was consumed whole, so the stream
// is still in step and the next ReadMsg reads the next message. ReadMsg
// panics if m is nil, before it reads anything.
func (r *Reader) ReadMsg(m proto.Message) error { return read(r.src, r.view, r.opts, m) }

// read reads one message from src, through view when it is not nil.
func read(src frame.MsgReader, view frame.MsgViewReader, opts proto.UnmarshalOptions, m proto.Message) error {
	if m == nil {
		panic("pb: read into a nil message")
	}
	var body []byte
	var err error
	if view != nil {
		body, err = view.ReadMsgView()
	} else {
		body, err = src.ReadMsg()
	}
	if err != nil {
		return err
	}
	if err := opts.Unmarshal(body, m); err != nil {
		return &UnmarshalError{Size: len(body), Type: m.ProtoReflect().Descriptor().FullName(), Err: err}
	}
	return nil
}
