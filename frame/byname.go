package frame

import (
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/framekit/framekit/codec"
)

// MsgConn is the whole method set that every *Framer[L] has, whatever its
// codec, and that the layers stacked on one (package secure's Encrypted)
// have too: a message connection whose codec can be chosen at run time (see
// NewByName). Each method is documented on Framer.
type MsgConn interface {
	MsgReadWriteCloser
	MsgViewReader
	MsgAppender
	MsgFuncWriter
	Flusher
	MaxSizer
	Messages() iter.Seq2[[]byte, error]
	CloseWrite() error
	SetDeadline(t time.Time) error
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}

// byName makes a Framer for each codec of package codec, by the name its
// String method returns.
var byName = map[string]func(io.ReadWriteCloser, ...Option) MsgConn{
	codec.BE8{}.String():     newAs[codec.BE8],
	codec.BE16{}.String():    newAs[codec.BE16],
	codec.BE32{}.String():    newAs[codec.BE32],
	codec.BE64{}.String():    newAs[codec.BE64],
	codec.LE16{}.String():    newAs[codec.LE16],
	codec.LE32{}.String():    newAs[codec.LE32],
	codec.LE64{}.String():    newAs[codec.LE64],
	codec.Uvarint{}.String(): newAs[codec.Uvarint],
	codec.BE24{}.String():    newAs[codec.BE24],
	codec.LE24{}.String():    newAs[codec.LE24],
	codec.VBI{}.String():     newAs[codec.VBI],
}

// newAs is New[L] as a MsgConn.
func newAs[L codec.LengthCodec](rw io.ReadWriteCloser, opts ...Option) MsgConn {
	return New[L](rw, opts...)
}

// CodecNames returns the names NewByName knows, sorted: "be16", "be24",
// "be32", "be64", "be8", "le16", "le24", "le32", "le64", "uvarint", "vbi".
// The caller owns the slice.
func CodecNames() []string {
	names := make([]string, 0, len(byName))
	for name := range byName {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// NewByName returns a Framer on rw using the codec called name (as its String
// method spells it: "be32", "uvarint", …), for tools and configurations that
// choose a codec at run time. It is New[L] for that codec: same options, same
// panics. An unknown name is a plain error (a bad argument, not an i/o
// error) that lists the known ones.
func NewByName(name string, rw io.ReadWriteCloser, opts ...Option) (MsgConn, error) {
	newFramer, ok := byName[name]
	if !ok {
		return nil, fmt.Errorf("frame: unknown codec %q (known: %s)", name, strings.Join(CodecNames(), " "))
	}
	return newFramer(rw, opts...), nil
}

var _ MsgConn = (*Framer[codec.BE32])(nil)
