package codec_test

import (
	"errors"
	"math"
	"testing"

	"github.com/multiformats/go-varint"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
)

// interesting returns lengths around every codec's boundaries, up to max.
func interesting(max uint64) []uint64 {
	var ns []uint64
	for _, b := range []uint64{0, 1, 127, 128, 255, 256, 16383, 16384, 65535, 65536, 1 << 21, 1<<32 - 1, 1 << 32, 1<<56 - 1, 1 << 56, 1<<63 - 1, math.MaxUint64} {
		for _, n := range []uint64{b - 1, b, b + 1} {
			if n <= max {
				ns = append(ns, n)
			}
		}
	}
	return ns
}

func checkCodec[L codec.LengthCodec](t *testing.T, name string, headerSize func(uint64) int, maxLen uint64, maxHdr int) {
	t.Run(name, func(t *testing.T) {
		var c L
		if got := c.String(); got != name {
			t.Errorf("String() = %q, want %q", got, name)
		}
		if got := c.MaxLength(); got != maxLen {
			t.Errorf("MaxLength() = %d, want %d", got, maxLen)
		}
		if got := c.MaxHeaderSize(); got != maxHdr {
			t.Errorf("MaxHeaderSize() = %d, want %d", got, maxHdr)
		}
		for _, n := range interesting(maxLen) {
			hdr := c.AppendLength([]byte{0xEE}, n)[1:]
			if len(hdr) != headerSize(n) || c.HeaderSize(n) != len(hdr) {
				t.Fatalf("length %d: header %x is %d bytes, HeaderSize says %d, want %d", n, hdr, len(hdr), c.HeaderSize(n), headerSize(n))
			}
			got, size, err := c.DecodeLength(append(hdr, 0xAB, 0xCD))
			if err != nil || got != n || size != len(hdr) {
				t.Fatalf("DecodeLength(%x) = %d, %d, %v; want %d, %d, nil", hdr, got, size, err, n, len(hdr))
			}
			for cut := 0; cut < len(hdr); cut++ {
				_, need, err := c.DecodeLength(hdr[:cut])
				if err != codec.ErrShortHeader || need <= cut || need > len(hdr) {
					t.Fatalf("DecodeLength(%x), a prefix of %x: need %d, %v; want ErrShortHeader and a need in (%d, %d]", hdr[:cut], hdr, need, err, cut, len(hdr))
				}
			}
		}
		buf := make([]byte, 0, 16)
		if allocs := testing.AllocsPerRun(100, func() { buf = c.AppendLength(buf[:0], maxLen) }); allocs != 0 {
			t.Errorf("AppendLength allocates %v times with room in dst", allocs)
		}
	})
}

func fixed(w int) func(uint64) int { return func(uint64) int { return w } }

func TestCodecs(t *testing.T) {
	checkCodec[codec.BE8](t, "be8", fixed(1), math.MaxUint8, 1)
	checkCodec[codec.BE16](t, "be16", fixed(2), math.MaxUint16, 2)
	checkCodec[codec.BE32](t, "be32", fixed(4), math.MaxUint32, 4)
	checkCodec[codec.BE64](t, "be64", fixed(8), math.MaxUint64, 8)
	checkCodec[codec.LE16](t, "le16", fixed(2), math.MaxUint16, 2)
	checkCodec[codec.LE32](t, "le32", fixed(4), math.MaxUint32, 4)
	checkCodec[codec.LE64](t, "le64", fixed(8), math.MaxUint64, 8)
	checkCodec[codec.Uvarint](t, "uvarint", func(n uint64) int { return len(varint.ToUvarint(n)) }, 1<<63-1, 9)
	checkCodec[codec.BE24](t, "be24", fixed(3), 1<<24-1, 3)
	checkCodec[codec.LE24](t, "le24", fixed(3), 1<<24-1, 3)
	// A VBI is a uvarint cut at four bytes.
	checkCodec[codec.VBI](t, "vbi", func(n uint64) int { return len(varint.ToUvarint(n)) }, 1<<28-1, 4)
}

func TestByteOrder(t *testing.T) {
	const n = 0x0102030405060708
	cases := []struct {
		got, want []byte
	}{
		{codec.BE8{}.AppendLength(nil, 0xAB), []byte{0xAB}},
		{codec.BE16{}.AppendLength(nil, n&0xFFFF), []byte{7, 8}},
		{codec.BE32{}.AppendLength(nil, n&0xFFFFFFFF), []byte{5, 6, 7, 8}},
		{codec.BE64{}.AppendLength(nil, n), []byte{1, 2, 3, 4, 5, 6, 7, 8}},
		{codec.LE16{}.AppendLength(nil, n&0xFFFF), []byte{8, 7}},
		{codec.LE32{}.AppendLength(nil, n&0xFFFFFFFF), []byte{8, 7, 6, 5}},
		{codec.LE64{}.AppendLength(nil, n), []byte{8, 7, 6, 5, 4, 3, 2, 1}},
		{codec.Uvarint{}.AppendLength(nil, 300), []byte{0xAC, 0x02}},
		{codec.BE24{}.AppendLength(nil, n&0xFFFFFF), []byte{6, 7, 8}},
		{codec.LE24{}.AppendLength(nil, n&0xFFFFFF), []byte{8, 7, 6}},
		// MQTT 5.0 §1.5.5's own examples: 321 is C1 02, the largest four bytes FF FF FF 7F.
		{codec.VBI{}.AppendLength(nil, 321), []byte{0xC1, 0x02}},
		{codec.VBI{}.AppendLength(nil, 268435455), []byte{0xFF, 0xFF, 0xFF, 0x7F}},
	}
	for i, c := range cases {
		if string(c.got) != string(c.want) {
			t.Errorf("case %d: % x, want % x", i, c.got, c.want)
		}
	}
}

func TestUvarintMalformed(t *testing.T) {
	cases := []struct {
		name string
		hdr  []byte
		want error
	}{
		{"non-minimal zero", []byte{0x80, 0x00}, varint.ErrNotMinimal},
		{"non-minimal one", []byte{0x81, 0x80, 0x00}, varint.ErrNotMinimal},
		{"ten bytes", []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, varint.ErrOverflow},
		{"ninth byte continues", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}, varint.ErrOverflow},
	}
	for _, c := range cases {
		n, size, err := codec.Uvarint{}.DecodeLength(c.hdr)
		var mal *errs.MalformedLengthError
		if !errors.As(err, &mal) || mal.Codec != "uvarint" {
			t.Fatalf("%s: DecodeLength(% x) = %d, %d, %v; want a *errs.MalformedLengthError", c.name, c.hdr, n, size, err)
		}
		for _, target := range []error{c.want, errs.ErrMalformedLength, errs.ErrMsgio, errs.ErrIO} {
			if !errors.Is(err, target) {
				t.Errorf("%s: %v does not match %v", c.name, err, target)
			}
		}
	}
	// The largest value is 9 bytes and accepted.
	max := codec.Uvarint{}.AppendLength(nil, 1<<63-1)
	if n, size, err := (codec.Uvarint{}).DecodeLength(max); err != nil || n != 1<<63-1 || size != 9 {
		t.Fatalf("DecodeLength(% x) = %d, %d, %v", max, n, size, err)
	}
}

func TestShortHeaderNeeds(t *testing.T) {
	if _, need, err := (codec.Uvarint{}).DecodeLength([]byte{0x80, 0x80}); err != codec.ErrShortHeader || need != 3 {
		t.Errorf("uvarint after two continuation bytes: need %d, %v; want 3", need, err)
	}
	if _, need, err := (codec.BE32{}).DecodeLength([]byte{0, 0}); err != codec.ErrShortHeader || need != 4 {
		t.Errorf("be32 after two bytes: need %d, %v; want 4", need, err)
	}
	if !errors.Is(codec.ErrShortHeader, errs.ErrIO) {
		t.Error("ErrShortHeader does not match errs.ErrIO")
	}
}

func TestVBIMalformed(t *testing.T) {
	cases := []struct {
		hdr  []byte
		want error
	}{
		{[]byte{0x80, 0x00}, codec.ErrVBINotMinimal},
		{[]byte{0xFF, 0xFF, 0x80, 0x00}, codec.ErrVBINotMinimal},
		{[]byte{0xFF, 0xFF, 0xFF, 0xFF, 0x01}, codec.ErrVBITooLong},
		{[]byte{0x80, 0x80, 0x80, 0x80}, codec.ErrVBITooLong}, // known bad before a fifth byte arrives
	}
	for _, c := range cases {
		_, _, err := codec.VBI{}.DecodeLength(c.hdr)
		var mal *errs.MalformedLengthError
		if !errors.As(err, &mal) || mal.Codec != "vbi" || !errors.Is(err, c.want) || !errors.Is(err, errs.ErrMalformedLength) {
			t.Errorf("DecodeLength(% x) = %v; want a vbi *errs.MalformedLengthError wrapping %v", c.hdr, err, c.want)
		}
	}
}
