package pb

import (
	"fmt"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
)

// Write marshals m and writes it to w as one message, with the default
// proto.MarshalOptions. It is NewWriter(w).WriteMsg(m) without the Writer; see
// Writer.WriteMsg for what it costs and returns.
func Write(w frame.MsgWriter, m proto.Message) error { return write(w, proto.MarshalOptions{}, m) }

// Writer writes protobuf messages to a framekit message writer, one per
// message. Its WriteMsg has the signature of go-msgio's pbio.Writer, so code
// written against pbio accepts a Writer unchanged. Create one with
// NewWriter.
//
// A Writer keeps no state between calls besides its options: it is safe for
// concurrent use when its stream is (a Framer and the encrypted layer are),
// and each message then goes out whole, in the order the stream takes them.
type Writer struct {
	dst  frame.MsgWriter
	opts proto.MarshalOptions
}

// WriterOption configures a Writer.
type WriterOption func(*Writer)

// WithMarshalOptions makes the Writer marshal with o: to order map entries
// (Deterministic) or to send a message whose required fields are missing
// (AllowPartial). Its UseCachedSize is ignored: WriteMsg computes the size
// itself. The zero value, the default, is proto.Marshal's behaviour.
func WithMarshalOptions(o proto.MarshalOptions) WriterOption {
	return func(w *Writer) { w.opts = o }
}

// NewWriter returns a Writer of messages to w, which it does not own: closing
// and flushing w are the caller's business. Options are applied in order.
// NewWriter panics if w is nil.
func NewWriter(w frame.MsgWriter, opts ...WriterOption) *Writer {
	if w == nil {
		panic("pb: NewWriter with a nil writer")
	}
	wr := &Writer{dst: w}
	for _, o := range opts {
		o(wr)
	}
	return wr
}

// WriteMsg marshals m and writes it to the stream as one message. m is not
// retained, and must not change while WriteMsg runs.
//
// The size of m is computed first. When the stream has a largest message
// (frame.MaxSizer) and m is larger, WriteMsg returns an
// *errs.MessageTooLargeError naming both sizes, before marshalling anything,
// and writes nothing. When the stream builds messages in place
// (frame.MsgFuncWriter, as a Framer does), m is marshalled straight into the
// frame that goes out, with no buffer in between, and WriteMsg allocates
// nothing in steady state; otherwise it is marshalled into a pooled buffer
// that the stream's WriteMsg copies.
//
// A message proto cannot marshal (a proto3 string that is not valid UTF-8, a
// missing required field) is an error that wraps proto's (it matches
// proto.Error, not errs.ErrIO), and nothing is written. The stream's own
// errors are returned as they are. WriteMsg panics if m is nil.
func (w *Writer) WriteMsg(m proto.Message) error { return write(w.dst, w.opts, m) }

// write writes m to dst, marshalled with opts.
func write(dst frame.MsgWriter, opts proto.MarshalOptions, m proto.Message) error {
	if m == nil {
		panic("pb: write of a nil message")
	}
	opts.UseCachedSize = false
	size := opts.Size(m)
	if s, ok := dst.(frame.MaxSizer); ok && size > s.MaxSize() {
		return &errs.MessageTooLargeError{Size: uint64(size), Max: uint64(s.MaxSize())}
	}
	// Size has just cached the size of m and of every message inside it:
	// marshalling need not walk m twice to compute them again.
	opts.UseCachedSize = true
	if b, ok := dst.(frame.MsgFuncWriter); ok {
		j := jobs.Get().(*marshalJob)
		j.opts, j.m = opts, m
		err := b.WriteMsgFunc(size, j.appendBody)
		j.m = nil
		jobs.Put(j)
		return err
	}
	buf := buffers.Get().(*[]byte)
	body, err := opts.MarshalAppend((*buf)[:0], m)
	if err == nil {
		err = dst.WriteMsg(body)
	} else {
		err = marshalError(m, err)
	}
	if cap(body) <= maxPooled {
		*buf = body[:0]
		buffers.Put(buf)
	}
	return err
}

// marshalJob is what WriteMsgFunc's body builder needs: one per write in
// progress, pooled so that the builder, bound once, costs no allocation.
type marshalJob struct {
	opts       proto.MarshalOptions
	m          proto.Message
	appendBody func(dst []byte) ([]byte, error) // the marshal method, bound when the job is made
}

func (j *marshalJob) marshal(dst []byte) ([]byte, error) {
	body, err := j.opts.MarshalAppend(dst, j.m)
	if err != nil {
		return dst, marshalError(j.m, err)
	}
	return body, nil
}

var jobs = sync.Pool{New: func() any {
	j := new(marshalJob)
	j.appendBody = j.marshal
	return j
}}

// maxPooled is the largest buffer kept in buffers: a rare huge message
// should not pin its memory.
const maxPooled = 64 << 10

// buffers holds the marshal buffers of writes to a stream that cannot build
// messages in place.
var buffers = sync.Pool{New: func() any { return new([]byte) }}

// marshalError wraps proto's error in marshalling m.
func marshalError(m proto.Message, err error) error {
	return fmt.Errorf("pb: cannot marshal %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
}
