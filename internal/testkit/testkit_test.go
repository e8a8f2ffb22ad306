package testkit_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"io"
	"net"
	"testing"

	"github.com/framekit/framekit/internal/testkit"
)

func TestTCPPair(t *testing.T) {
	t.Parallel()
	var a, b *net.TCPConn
	t.Run("pair", func(t *testing.T) {
		a, b = testkit.TCPPair(t)
		for _, addr := range []net.Addr{a.LocalAddr(), a.RemoteAddr(), b.LocalAddr(), b.RemoteAddr()} {
			if ip := addr.(*net.TCPAddr).IP; !ip.Equal(net.IPv4(127, 0, 0, 1)) {
				t.Fatalf("address %v, want 127.0.0.1", addr)
			}
		}
		if a.LocalAddr().String() != b.RemoteAddr().String() {
			t.Fatalf("ends %v and %v are not connected to each other", a.LocalAddr(), b.RemoteAddr())
		}
		for _, c := range [][2]*net.TCPConn{{a, b}, {b, a}} {
			if _, err := c[0].Write([]byte("ping")); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 4)
			if _, err := io.ReadFull(c[1], got); err != nil || string(got) != "ping" {
				t.Fatalf("read %q, %v; want ping", got, err)
			}
		}
	})
	// The subtest has ended: its cleanup closed both ends.
	for _, c := range []*net.TCPConn{a, b} {
		if _, err := c.Write([]byte("x")); err == nil {
			t.Fatalf("write to %v after the test ended succeeded, want the end closed", c.LocalAddr())
		}
	}
}

// TestAllocated does not run in parallel: Allocated counts every goroutine.
func TestAllocated(t *testing.T) {
	var sink []byte
	if n := testkit.Allocated(func() { sink = make([]byte, 1<<20) }); n < 1<<20 || n > 1<<20+64<<10 {
		t.Fatalf("a 1 MiB allocation counted as %d bytes", n)
	}
	if n := testkit.Allocated(func() {}); n != 0 {
		t.Fatalf("nothing counted as %d bytes", n)
	}
	small := make([][]byte, 100)
	if n := testkit.Allocated(func() {
		for i := range small {
			small[i] = make([]byte, 8)
		}
	}); n < 800 {
		t.Fatalf("100 allocations of 8 bytes counted as %d bytes: objects in cached spans missed", n)
	}
	_, _ = sink, small
}

func TestGCM(t *testing.T) {
	t.Parallel()
	block, err := aes.NewCipher(bytes.Repeat([]byte{0xAB}, 16))
	if err != nil {
		t.Fatal(err)
	}
	want, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	got := testkit.GCM(t, 0xAB)
	if got.NonceSize() != 12 || got.Overhead() != 16 {
		t.Fatalf("nonce %d bytes, overhead %d; want 12 and 16", got.NonceSize(), got.Overhead())
	}
	nonce := make([]byte, 12)
	if !bytes.Equal(got.Seal(nil, nonce, []byte("message"), nil), want.Seal(nil, nonce, []byte("message"), nil)) {
		t.Fatal("GCM(0xAB) does not seal as AES-128-GCM with the key 0xAB repeated")
	}
	other := testkit.GCM(t, 0xBA)
	if bytes.Equal(got.Seal(nil, nonce, nil, nil), other.Seal(nil, nonce, nil, nil)) {
		t.Fatal("GCM(0xAB) and GCM(0xBA) seal alike")
	}
}

func TestNonce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		size    int
		counter uint64
		want    []byte
	}{
		{12, 0, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{12, 1, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
		{12, 0x0102030405060708, []byte{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{8, 1<<64 - 1, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{16, 256, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}},
	}
	for _, c := range cases {
		if got := testkit.Nonce(c.size, c.counter); !bytes.Equal(got, c.want) {
			t.Errorf("Nonce(%d, %#x) = %x, want %x", c.size, c.counter, got, c.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Nonce(7, 0) did not panic")
		}
	}()
	testkit.Nonce(7, 0)
}

// TestAppendHeader pins each specification to bytes written out by hand.
func TestAppendHeader(t *testing.T) {
	t.Parallel()
	cases := []struct {
		codec string
		n     uint64
		want  []byte
		max   uint64
	}{
		{"be8", 0xAB, []byte{0xAB}, 1<<8 - 1},
		{"be16", 0x0102, []byte{0x01, 0x02}, 1<<16 - 1},
		{"be32", 0x01020304, []byte{0x01, 0x02, 0x03, 0x04}, 1<<32 - 1},
		{"be64", 0x0102030405060708, []byte{1, 2, 3, 4, 5, 6, 7, 8}, 1<<64 - 1},
		{"le16", 0x0102, []byte{0x02, 0x01}, 1<<16 - 1},
		{"le32", 0x01020304, []byte{0x04, 0x03, 0x02, 0x01}, 1<<32 - 1},
		{"le64", 0x0102030405060708, []byte{8, 7, 6, 5, 4, 3, 2, 1}, 1<<64 - 1},
		{"uvarint", 0, []byte{0x00}, 1<<63 - 1},
		{"uvarint", 300, []byte{0xAC, 0x02}, 1<<63 - 1},
		{"uvarint", 1<<63 - 1, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, 1<<63 - 1},
	}
	for _, c := range cases {
		got := testkit.AppendHeader([]byte("dst"), c.codec, c.n)
		if !bytes.Equal(got, append([]byte("dst"), c.want...)) {
			t.Errorf("AppendHeader(dst, %q, %#x) = %x, want dst then %x", c.codec, c.n, got, c.want)
		}
		if m := testkit.MaxLength(c.codec); m != c.max {
			t.Errorf("MaxLength(%q) = %d, want %d", c.codec, m, c.max)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("AppendHeader with an unknown codec did not panic")
		}
	}()
	testkit.AppendHeader(nil, "BE32", 1)
}
