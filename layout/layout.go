// Package layout has header layouts for the length-prefixed protocols people
// run, ready for frame.NewWithLayout:
//
//	f := frame.NewWithLayout(conn, layout.Postgres)
//	h, body, err := f.ReadFrameView() // h.Fields[0] is the message type, 'Q' say
//
// Each preset's doc cites the specification it follows and the largest frame
// its protocol sends. A Framer's limit stays frame.DefaultMaxSize (or what
// WithMaxSize says) whatever the protocol allows: raise it when a protocol's
// frames are larger and you trust the peer.
//
// Several protocols send bytes outside their framing, which a Framer reads
// and writes with ReadUnframed and WriteUnframed: HTTP/2's client preface,
// PostgreSQL's startup packets and one-byte SSL answer, AMQP's protocol
// header.
//
// Presets are also available by name, for tools (framecat's -layout): see
// Lookup.
package layout

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// DNS frames DNS messages over TCP (RFC 1035 §4.2.2; RFC 7766): a two-byte
// length, then the message. Messages are at most 65,535 bytes; zone transfers
// (AXFR) send many of them, BIND's above 32 KiB.
var DNS = frame.MustLayout[codec.BE16](frame.LayoutSpec{Name: "dns"})

// TLS frames TLS records (RFC 8446 §5.1; RFC 5246 §6.2): content type,
// legacy version, a two-byte length, then the fragment. TLS 1.3 records carry
// at most 2^14 + 256 bytes (RFC 8446 §5.2); real ones reach 16,384 + 17.
var TLS = frame.MustLayout[codec.BE16](frame.LayoutSpec{
	Name:   "tls",
	Before: []frame.Field{{Name: "type", Size: 1}, {Name: "version", Size: 2, Format: frame.FieldHex}},
})

// Postgres frames PostgreSQL protocol 3 messages after the startup phase
// (PostgreSQL documentation, "Frontend/Backend Protocol", "Message Formats"):
// a type byte, then a four-byte length that counts itself and the body.
// The client's first packets (SSLRequest, GSSENCRequest, StartupMessage,
// CancelRequest) have no type byte, and a server answers an SSLRequest with
// one unframed byte, 'S' or 'N': read and write them with
// ReadUnframed/WriteUnframed. Messages can reach 1 GiB (a DataRow of large
// values).
var Postgres = frame.MustLayout[codec.BE32](frame.LayoutSpec{
	Name:   "postgres",
	Before: []frame.Field{{Name: "type", Size: 1, Format: frame.FieldChar}},
	Counts: frame.CountsFromLength,
})

// HTTP2 frames HTTP/2 frames (RFC 9113 §4.1): a three-byte payload length,
// type, flags and stream identifier (whose top bit is reserved), then the
// payload. A client first sends the 24-byte preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
// (§3.4), unframed. Payloads are at most 16,384 bytes unless the receiver's
// SETTINGS_MAX_FRAME_SIZE allows up to 2^24 − 1 (§4.2).
var HTTP2 = frame.MustLayout[codec.BE24](frame.LayoutSpec{
	Name: "http2",
	After: []frame.Field{
		{Name: "type", Size: 1},
		{Name: "flags", Size: 1, Format: frame.FieldHex},
		{Name: "stream", Size: 4},
	},
})

// MQTT frames MQTT control packets (MQTT 5.0 §2.1.1; 3.1.1 §2.2): a byte of
// packet type and flags, then the Remaining Length as a variable byte
// integer of 1 to 4 bytes, then the rest of the packet. Packets reach
// 268,435,455 bytes of remaining length.
var MQTT = frame.MustLayout[codec.VBI](frame.LayoutSpec{
	Name:   "mqtt",
	Before: []frame.Field{{Name: "header", Size: 1, Format: frame.FieldHex}},
})

// AMQP frames AMQP 0-9-1 frames (AMQP 0-9-1 specification §4.2.3, "General
// Frame Format"): type, channel, a four-byte payload size, the payload and
// the frame-end octet 0xCE, which is checked. A client first sends the
// protocol header "AMQP\x00\x00\x09\x01" (§4.2.2), unframed. Frames are at
// most the frame-max the peers agree in Connection.Tune (RabbitMQ: 131,072
// bytes by default); a larger content body is split across body frames.
var AMQP = frame.MustLayout[codec.BE32](frame.LayoutSpec{
	Name:    "amqp",
	Before:  []frame.Field{{Name: "type", Size: 1}, {Name: "channel", Size: 2}},
	Trailer: []byte{0xCE},
})

// SMB2 frames SMB2 messages over Direct TCP (MS-SMB2 §2.1, "Transport"): a
// zero byte, then a three-byte length, then the SMB2 message. Messages are at most 2^24 − 1 bytes.
var SMB2 = frame.MustLayout[codec.BE24](frame.LayoutSpec{
	Name:   "smb2",
	Before: []frame.Field{{Name: "zero", Size: 1, Format: frame.FieldHex}},
})

// MySQL frames MySQL and MariaDB client/server packets (MySQL Client/Server
// Protocol, "MySQL Packets"): a three-byte little-endian payload length, a
// sequence id, then the payload. A payload of 2^24 − 1 bytes is continued by
// the next packet, and zero-length packets occur (ending LOAD DATA LOCAL
// INFILE, or a payload that is an exact multiple of 2^24 − 1).
var MySQL = frame.MustLayout[codec.LE24](frame.LayoutSpec{
	Name:  "mysql",
	After: []frame.Field{{Name: "seq", Size: 1}},
})

// Kafka frames Kafka protocol requests and responses (Apache Kafka protocol
// guide, "Common Request and Response Structure"): a four-byte size, then the
// message. Brokers refuse requests above socket.request.max.bytes, 100 MiB by
// default.
var Kafka = frame.MustLayout[codec.BE32](frame.LayoutSpec{Name: "kafka"})

// MongoDB frames MongoDB wire protocol messages (MongoDB Wire Protocol,
// "Standard Message Header"): a four-byte little-endian messageLength that
// counts the whole message, then requestID, responseTo and opCode, then the
// body. Messages are at most maxMessageSizeBytes, 48,000,000.
var MongoDB = frame.MustLayout[codec.LE32](frame.LayoutSpec{
	Name: "mongodb",
	After: []frame.Field{
		{Name: "requestid", Size: 4, Format: frame.FieldUintLE},
		{Name: "responseto", Size: 4, Format: frame.FieldUintLE},
		{Name: "opcode", Size: 4, Format: frame.FieldUintLE},
	},
	Counts: frame.CountsFrame,
})

// TPKT frames ISO transport packets over TCP (RFC 1006 §6), as RDP and ISO
// protocols use them: version 3, a reserved byte, then a two-byte length
// that counts the whole packet, header included. Packets are at most 65,535
// bytes.
var TPKT = frame.MustLayout[codec.BE16](frame.LayoutSpec{
	Name:   "tpkt",
	Before: []frame.Field{{Name: "version", Size: 1}, {Name: "reserved", Size: 1}},
	Counts: frame.CountsFrame,
})

// RPC frames ONC RPC record marking over TCP (RFC 5531 §11): a four-byte
// record mark whose top bit says the fragment is a record's last (Flags
// 0x80000000) and whose low 31 bits are the fragment's length, then the
// fragment. Fragments are at most 2^31 − 1 bytes.
var RPC = frame.MustLayout[codec.BE32](frame.LayoutSpec{Name: "rpc", LengthMask: 1<<31 - 1})

// LastFragment is the flag of RPC's last fragment of a record.
const LastFragment = 1 << 31

// Conn is what a Framer of any layout is, whatever its codec: what New
// returns for a layout chosen at run time. Each method is documented on
// frame.Framer.
type Conn interface {
	frame.MsgConn
	ReadFrameView() (h frame.Header, body []byte, err error)
	ReadFrame() (h frame.Header, body []byte, err error)
	WriteFrame(h frame.Header, body []byte) error
	ReadUnframed(p []byte) (int, error)
	WriteUnframed(p []byte) error
}

// Preset is a layout of this package seen without its codec type: what a
// tool needs to frame a protocol named at run time.
type Preset interface {
	// String returns the preset's name, "postgres" say.
	String() string
	// Spec returns the layout's description.
	Spec() frame.LayoutSpec
	// MaxBody returns the largest body the length field can describe.
	MaxBody() uint64
	// HeaderSize returns the size of the header of a frame with an n-byte
	// body (see frame.Layout.HeaderSize).
	HeaderSize(n int) int
	// Format returns h's fields as text (see frame.Layout.Format).
	Format(h frame.Header) string
	// Field returns the value of h's field called name.
	Field(h frame.Header, name string) (uint64, bool)
	// AppendFrame appends a frame of header h and body to dst (see
	// frame.Layout.AppendFrame).
	AppendFrame(dst []byte, h frame.Header, body []byte) ([]byte, error)
	// New returns a Framer on rw with this layout, as frame.NewWithLayout does.
	New(rw io.ReadWriteCloser, opts ...frame.Option) Conn
}

// PresetOf returns lay as a Preset, for a tool that handles its own layouts,
// or a codec's plain layout (frame.Layout[L]{}), like this package's.
func PresetOf[L codec.LengthCodec](lay frame.Layout[L]) Preset { return preset[L]{lay} }

// preset is a Layout[L] as a Preset.
type preset[L codec.LengthCodec] struct{ frame.Layout[L] }

func (p preset[L]) New(rw io.ReadWriteCloser, opts ...frame.Option) Conn {
	return frame.NewWithLayout(rw, p.Layout, opts...)
}

var presets = []Preset{
	preset[codec.BE16]{DNS}, preset[codec.BE16]{TLS}, preset[codec.BE32]{Postgres},
	preset[codec.BE24]{HTTP2}, preset[codec.VBI]{MQTT}, preset[codec.BE32]{AMQP},
	preset[codec.BE24]{SMB2}, preset[codec.LE24]{MySQL}, preset[codec.BE32]{Kafka},
	preset[codec.LE32]{MongoDB}, preset[codec.BE16]{TPKT}, preset[codec.BE32]{RPC},
}

// Names returns the presets' names, sorted. The caller owns the slice.
func Names() []string {
	names := make([]string, len(presets))
	for i, p := range presets {
		names[i] = p.String()
	}
	slices.Sort(names)
	return names
}

// Lookup returns the preset called name ("postgres", "http2", …). An unknown
// name is a plain error that lists the known ones.
func Lookup(name string) (Preset, error) {
	for _, p := range presets {
		if p.String() == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("layout: unknown layout %q (known: %s)", name, strings.Join(Names(), " "))
}
