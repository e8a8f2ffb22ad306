package frame

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
)

// Counts says which bytes of a frame its length field counts.
type Counts uint8

const (
	// CountsBody: the length is the size of the body alone. DNS over TCP,
	// TLS records, HTTP/2, MQTT, AMQP and most others.
	CountsBody Counts = iota

	// CountsFromLength: the length counts its own field, the header bytes
	// after it and the body, but not the header bytes before it. PostgreSQL,
	// whose type byte comes before a length that counts itself.
	CountsFromLength

	// CountsFrame: the length counts the whole frame, every header byte, the
	// body and the trailer. MongoDB and TPKT.
	CountsFrame
)

// FieldFormat says how a header field's bytes are read as a number and shown
// by Layout.Format.
type FieldFormat uint8

const (
	// FieldUint is an unsigned big-endian integer, shown in decimal.
	FieldUint FieldFormat = iota
	// FieldUintLE is an unsigned little-endian integer, shown in decimal.
	FieldUintLE
	// FieldChar is one byte shown as a character when it is printable ASCII:
	// PostgreSQL's message type.
	FieldChar
	// FieldHex is an unsigned big-endian integer shown in hex: flags.
	FieldHex
)

// Field is a named header field of a layout, before or after the length.
type Field struct {
	Name   string      // unique within the layout; "length", "body" and "trailer" are taken
	Size   int         // bytes, 1 to 8 (1 for FieldChar)
	Format FieldFormat // how it is read and shown
}

// LayoutSpec describes a frame header in named parts, for NewLayout:
//
//	[Before fields][length field][After fields][body][Trailer]
//
// The length field is encoded by the layout's codec. Its zero value (with no
// fields, counting the body) is the plain layout every Framer uses by
// default.
type LayoutSpec struct {
	Name   string  // what framecat and error messages call it; the codec's name if empty
	Before []Field // header fields before the length field
	After  []Field // header fields after it
	Counts Counts  // which bytes the length counts

	// LengthMask, when not 0, says which bits of the length field hold the
	// length: a run of low bits, such as 0x7fffffff for ONC RPC record marking.
	// The bits above it are flags, Header.Flags. Only for fixed-width codecs.
	LengthMask uint64

	// Trailer is fixed bytes that end every frame (AMQP's frame-end octet
	// 0xCE): written after each body, and checked after each body read.
	Trailer []byte
}

// Limits of a layout's parts.
const (
	// MaxLayoutHeader is the largest header a layout may describe, in bytes,
	// fields and length field together.
	MaxLayoutHeader = 48
	// MaxTrailer is the largest trailer a layout may have, in bytes.
	MaxTrailer = 8
)

// Layout is a checked header layout for length codec L, built by NewLayout.
// One value drives reading and writing alike (NewWithLayout), so what a
// Framer writes with it, it reads back. Its zero value is the plain layout:
// the length, then a body of that many bytes. A Layout is immutable and safe
// to share between Framers and goroutines.
type Layout[L codec.LengthCodec] struct{ s *shape }

// shape is a Layout without its type parameter: what the read and write
// halves of a Framer keep.
type shape struct {
	spec      LayoutSpec
	fields    []Field // spec.Before, then spec.After
	name      string
	before    int    // header bytes before the length field
	after     int    // header bytes after it
	minField  int    // the fewest bytes of the length field
	adjust    uint64 // bytes the length counts besides the body
	mask      uint64 // LengthMask, or 0
	flagBits  uint64 // the bits of the field above mask, or 0
	maxBody   uint64 // the largest body the field carries
	trailer   []byte
	fixedSize int        // the header size when the length field is fixed-width; 0 otherwise
	field     fieldOrder // how inLineFrame decodes a fixed-width length field
}

// fieldOrder is the byte order and width of a fixed-width length field, for
// the in-line path, which decodes it without a call through the codec.
type fieldOrder uint8

const (
	fieldOther fieldOrder = iota // through L's DecodeLength
	fieldBE8
	fieldBE16
	fieldBE24
	fieldBE32
	fieldLE16
	fieldLE24
	fieldLE32
)

// orderOf returns the fieldOrder of a fixed-width codec c of the given width,
// found from how it encodes 1.
func orderOf(c codec.LengthCodec, width int) fieldOrder {
	little := width > 1 && c.AppendLength(nil, 1)[0] == 1
	switch {
	case width == 1:
		return fieldBE8
	case width == 2 && !little:
		return fieldBE16
	case width == 3 && !little:
		return fieldBE24
	case width == 4 && !little:
		return fieldBE32
	case width == 2:
		return fieldLE16
	case width == 3:
		return fieldLE24
	case width == 4:
		return fieldLE32
	}
	return fieldOther
}

// NewLayout checks spec and returns the layout it describes. Invalid
// combinations are refused with an error that says why: fields without a
// name, too large or named twice; a header over MaxLayoutHeader bytes or a
// trailer over MaxTrailer; a length that counts its own field but whose
// codec's width depends on the value (Uvarint, VBI); a LengthMask that is not
// a run of low bits narrower than the field, or on a variable-width codec; a
// field too narrow to count the header bytes it must.
func NewLayout[L codec.LengthCodec](spec LayoutSpec) (Layout[L], error) {
	s, err := newShape[L](spec)
	if err != nil {
		return Layout[L]{}, err
	}
	return Layout[L]{s}, nil
}

// MustLayout is NewLayout for layouts fixed in the program's source, such as
// package layout's presets: it panics if spec is invalid.
func MustLayout[L codec.LengthCodec](spec LayoutSpec) Layout[L] {
	l, err := NewLayout[L](spec)
	if err != nil {
		panic(err)
	}
	return l
}

func newShape[L codec.LengthCodec](spec LayoutSpec) (*shape, error) {
	var c L
	name := spec.Name
	if name == "" {
		name = c.String()
	}
	fail := func(format string, args ...any) (*shape, error) {
		return nil, fmt.Errorf("frame: layout %s: "+format, append([]any{name}, args...)...)
	}
	fixed := c.HeaderSize(0) == c.MaxHeaderSize() && c.HeaderSize(c.MaxLength()) == c.MaxHeaderSize()
	seen := map[string]bool{"length": true, "body": true, "trailer": true}
	sum := func(fields []Field) (int, error) {
		total := 0
		for _, f := range fields {
			switch {
			case f.Name == "":
				return 0, errors.New("a header field has no name")
			case seen[f.Name]:
				return 0, fmt.Errorf("the field name %q is taken", f.Name)
			case f.Size < 1 || f.Size > 8:
				return 0, fmt.Errorf("field %q is %d bytes; fields are 1 to 8 bytes", f.Name, f.Size)
			case f.Format == FieldChar && f.Size != 1:
				return 0, fmt.Errorf("field %q is a character of %d bytes; characters are 1 byte", f.Name, f.Size)
			case f.Format > FieldHex:
				return 0, fmt.Errorf("field %q has an unknown format %d", f.Name, f.Format)
			}
			seen[f.Name] = true
			total += f.Size
		}
		return total, nil
	}
	before, err := sum(spec.Before)
	if err != nil {
		return fail("%v", err)
	}
	after, err := sum(spec.After)
	if err != nil {
		return fail("%v", err)
	}
	s := &shape{name: name, before: before, after: after, minField: c.HeaderSize(0), trailer: bytes.Clone(spec.Trailer)}
	if h := before + c.MaxHeaderSize() + after; h > MaxLayoutHeader {
		return fail("a header of up to %d bytes is more than the %d a layout allows", h, MaxLayoutHeader)
	}
	if len(spec.Trailer) > MaxTrailer {
		return fail("a trailer of %d bytes is more than the %d a layout allows", len(spec.Trailer), MaxTrailer)
	}
	fieldMax := c.MaxLength()
	if m := spec.LengthMask; m != 0 {
		switch {
		case !fixed:
			return fail("a length mask needs a fixed-width length field, and %s's width depends on the value", c)
		case m&(m+1) != 0:
			return fail("length mask %#x is not a run of low bits", m)
		case m >= fieldMax:
			return fail("length mask %#x leaves no flag bits in a %s field; leave it 0", m, c)
		}
		s.mask, s.flagBits, fieldMax = m, fieldMax&^m, m
	}
	switch spec.Counts {
	case CountsBody:
	case CountsFromLength, CountsFrame:
		if !fixed {
			return fail("a length that counts its own field needs a fixed-width field, and %s's width depends on the value", c)
		}
		s.adjust = uint64(c.MaxHeaderSize() + after)
		if spec.Counts == CountsFrame {
			s.adjust += uint64(before + len(spec.Trailer))
		}
	default:
		return fail("unknown Counts value %d", spec.Counts)
	}
	if fieldMax < s.adjust {
		return fail("a %s field cannot count the %d header and trailer bytes it must", c, s.adjust)
	}
	s.maxBody = fieldMax - s.adjust
	if fixed {
		s.fixedSize = before + c.MaxHeaderSize() + after
		s.field = orderOf(c, c.MaxHeaderSize())
	}
	s.spec = spec
	s.spec.Name = name
	s.spec.Before, s.spec.After, s.spec.Trailer = cloneFields(spec.Before), cloneFields(spec.After), s.trailer
	s.fields = append(cloneFields(spec.Before), spec.After...)
	return s, nil
}

func cloneFields(fs []Field) []Field { return append([]Field(nil), fs...) }

// plain reports whether l is the zero, plain layout.
func (l Layout[L]) plain() bool { return l.s == nil }

// String returns the layout's name ("postgres"); for the plain layout, the
// codec's.
func (l Layout[L]) String() string {
	if l.plain() {
		var c L
		return c.String()
	}
	return l.s.name
}

// Spec returns the description the layout was built from, with its name
// filled in. The caller owns the slices.
func (l Layout[L]) Spec() LayoutSpec {
	if l.plain() {
		return LayoutSpec{Name: l.String()}
	}
	spec := l.s.spec
	spec.Before, spec.After, spec.Trailer = cloneFields(spec.Before), cloneFields(spec.After), bytes.Clone(spec.Trailer)
	return spec
}

// MaxBody returns the largest body the length field can describe, once the
// header bytes it counts and the mask are taken off. A Framer's MaxSize never
// exceeds it.
func (l Layout[L]) MaxBody() uint64 {
	if l.plain() {
		var c L
		return c.MaxLength()
	}
	return l.s.maxBody
}

// HeaderSize returns the size in bytes of the header of a frame whose body
// is n bytes: its fields and its length field together, as AppendFrame
// writes it and a Framer reads it. It depends on n only when the codec's
// width does (Uvarint, VBI). A whole frame is HeaderSize(n) + n bytes and
// the trailer. n must be between 0 and MaxBody.
func (l Layout[L]) HeaderSize(n int) int {
	if l.plain() {
		var c L
		return c.HeaderSize(uint64(n))
	}
	return layoutHeaderSize[L](l.s, n)
}

// AppendFrame appends a frame with header h and body to dst and returns
// the extended slice, filling in the length. It is WriteFrame without a
// Framer, and checks the same things, returning the same errors with dst
// unchanged: fields of the wrong size, flags outside the layout's flag bits,
// a body the field cannot carry (*errs.MessageTooLargeError).
func (l Layout[L]) AppendFrame(dst []byte, h Header, body []byte) ([]byte, error) {
	if l.plain() {
		if len(h.Fields) != 0 || h.Flags != 0 {
			return dst, l.check(&h)
		}
		return AppendFrame[L](dst, body)
	}
	if err := l.s.check(&h); err != nil {
		return dst, err
	}
	if uint64(len(body)) > l.s.maxBody {
		return dst, &errs.MessageTooLargeError{Size: uint64(len(body)), Max: l.s.maxBody}
	}
	dst = appendLayoutHeader[L](l.s, dst, len(body), &h)
	dst = append(dst, body...)
	return append(dst, l.s.trailer...), nil
}

// Field returns the value of the header field called name in h, read as its
// format says (a FieldChar is its byte), and whether the layout has such a
// field. h must come from a Framer using this layout, or be written for one.
func (l Layout[L]) Field(h Header, name string) (uint64, bool) {
	if l.plain() {
		return 0, false
	}
	at := 0
	for _, f := range l.s.fields {
		if f.Name == name {
			if at+f.Size > len(h.Fields) {
				return 0, false
			}
			return fieldValue(f, h.Fields[at:at+f.Size]), true
		}
		at += f.Size
	}
	return 0, false
}

func fieldValue(f Field, b []byte) uint64 {
	var v uint64
	if f.Format == FieldUintLE {
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v
	}
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

// Format returns h's fields as text, "name=value" separated by
// spaces, each as its format says: type='Q', flags=0x25, stream=1. With a
// length mask it ends with the flags, as flags=0x80000000. The plain layout
// has no fields: Format returns "".
func (l Layout[L]) Format(h Header) string {
	if l.plain() {
		return ""
	}
	var b strings.Builder
	at := 0
	for _, f := range l.s.fields {
		var v uint64
		if at+f.Size <= len(h.Fields) {
			v = fieldValue(f, h.Fields[at:at+f.Size])
		}
		at += f.Size
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.Name)
		b.WriteByte('=')
		switch f.Format {
		case FieldChar:
			if v >= 0x20 && v < 0x7f {
				b.WriteString(strconv.QuoteRune(rune(v)))
			} else {
				fmt.Fprintf(&b, "%#02x", v)
			}
		case FieldHex:
			fmt.Fprintf(&b, "%#x", v)
		default:
			b.WriteString(strconv.FormatUint(v, 10))
		}
	}
	if l.s.mask != 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "flags=%#x", h.Flags)
	}
	return b.String()
}

// Header is the header of one frame of a layout besides its length: the
// fields and the flags. Read from a Framer, its slice follows the rule of
// the method that returned it; written, the Framer fills in the length.
type Header struct {
	// Fields holds the bytes of the layout's header fields in order, those
	// before the length field and then those after it, without the length:
	// a PostgreSQL message's type is Fields[0], an HTTP/2 frame's flags
	// Fields[1]. Layout.Field reads one by name. Nil stands for zero bytes
	// when writing.
	Fields []byte
	Flags  uint64 // the length field's bits above the layout's LengthMask; 0 without one
}

// check returns the error of a header to be written whose fields do not
// fit the layout: nil Fields stand for zero bytes.
func (s *shape) check(fr *Header) error {
	switch {
	case fr.Fields != nil && len(fr.Fields) != s.before+s.after:
		return fmt.Errorf("frame: layout %s: %d bytes of header fields, want %d", s.name, len(fr.Fields), s.before+s.after)
	case fr.Flags&^s.flagBits != 0:
		return fmt.Errorf("frame: layout %s: flags %#x outside the flag bits %#x", s.name, fr.Flags, s.flagBits)
	}
	return nil
}

// layoutHeaderSize returns the size of s's header for a body of n bytes.
func layoutHeaderSize[L codec.LengthCodec](s *shape, n int) int {
	if s.fixedSize > 0 {
		return s.fixedSize
	}
	var c L
	return s.before + c.HeaderSize(uint64(n)+s.adjust) + s.after
}

// appendLayoutHeader appends the header of a frame with fr's fields and an
// n-byte body to dst; nil fields are zero bytes. fr has passed check and n
// is at most s.maxBody.
func appendLayoutHeader[L codec.LengthCodec](s *shape, dst []byte, n int, fr *Header) []byte {
	var c L
	if fr.Fields == nil {
		dst = appendZeros(dst, s.before)
		dst = c.AppendLength(dst, uint64(n)+s.adjust|fr.Flags)
		return appendZeros(dst, s.after)
	}
	dst = append(dst, fr.Fields[:s.before]...)
	dst = c.AppendLength(dst, uint64(n)+s.adjust|fr.Flags)
	return append(dst, fr.Fields[s.before:]...)
}

func appendZeros(dst []byte, n int) []byte {
	for range n {
		dst = append(dst, 0)
	}
	return dst
}

// decodeLayout decodes a header of s from the front of src, as
// LengthCodec.DecodeLength does a plain one: it returns the body length and
// the header size; or codec.ErrShortHeader and the fewest header bytes a
// complete header could have, given src; or an *errs.MalformedLengthError.
// flags are the field's bits above the mask.
func decodeLayout[L codec.LengthCodec](s *shape, src []byte) (n, flags uint64, size int, err error) {
	if len(src) < s.before {
		return 0, 0, s.before + s.minField + s.after, codec.ErrShortHeader
	}
	var c L
	v, field, err := c.DecodeLength(src[s.before:])
	if err != nil {
		return 0, 0, s.before + field + s.after, err
	}
	if size = s.before + field + s.after; len(src) < size {
		return 0, 0, size, codec.ErrShortHeader
	}
	if s.mask != 0 {
		flags, v = v&^s.mask, v&s.mask
	}
	if v < s.adjust {
		return 0, 0, 0, &errs.MalformedLengthError{Codec: c.String(), Err: fmt.Errorf("length %d is less than the %d header and trailer bytes it counts in layout %s", v, s.adjust, s.name)}
	}
	return v - s.adjust, flags, size, nil
}

// cutField returns the name of the header part that a header cut short
// after the bytes got ends in: a field's name, or "length".
func cutField[L codec.LengthCodec](s *shape, got []byte) string {
	at := len(got)
	for _, f := range s.spec.Before {
		if at < f.Size {
			return f.Name
		}
		at -= f.Size
	}
	var c L
	_, field, err := c.DecodeLength(got[s.before:])
	if err != nil {
		return "length"
	}
	at -= field
	for _, f := range s.spec.After {
		if at < f.Size {
			return f.Name
		}
		at -= f.Size
	}
	return "length" // got is a whole header: not a cut one
}
