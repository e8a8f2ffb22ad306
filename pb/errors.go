package pb

import (
	"strconv"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/framekit/framekit/errs"
)

// UnmarshalError reports a message body that is not a valid protobuf encoding
// of the message type it was read into (or that lacks one of its required
// fields). It matches errs.ErrMsgio and errs.ErrIO, since the bytes came from
// a peer, and Err, proto's own error (which matches proto.Error). The message
// was consumed whole: the stream is still in step.
type UnmarshalError struct {
	Size int                   // the body's length in bytes
	Type protoreflect.FullName // the message type it was read into
	Err  error                 // proto.Unmarshal's error
}

func (e *UnmarshalError) Error() string {
	return "framekit: pb: a " + strconv.Itoa(e.Size) + "-byte message is not a valid " +
		string(e.Type) + ": " + e.Err.Error()
}

// Unwrap returns errs.ErrMsgio and proto's error.
func (e *UnmarshalError) Unwrap() []error { return []error{errs.ErrMsgio, e.Err} }
