package conn_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
)

// A Framer stacked on a TCPStream names the transport in its truncation
// errors, in both read modes and for both parts of a frame.
func TestFramerOverTCPNamesTransport(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name               string
		sent               []byte // then the peer closes
		read               func(*conn.TCPStream, int) ([]byte, error)
		part               error
		expected, received int
	}{
		{
			name: "body", sent: append(codec.BE32{}.AppendLength(nil, 10), "abcd"...),
			read: func(s *conn.TCPStream, rb int) ([]byte, error) {
				return frame.New[codec.BE32](s, frame.WithReadBuffer(rb)).ReadMsg()
			},
			part: errs.ErrMissingMessage, expected: 10, received: 4,
		},
		{
			name: "header", sent: []byte{0x80, 0x80},
			read: func(s *conn.TCPStream, rb int) ([]byte, error) {
				return frame.New[codec.Uvarint](s, frame.WithReadBuffer(rb)).ReadMsg()
			},
			part: errs.ErrMissingLength, received: 2,
		},
	} {
		for _, rb := range []int{0, frame.DefaultReadBuffer} {
			t.Run(fmt.Sprintf("%s/readbuffer=%d", tc.name, rb), func(t *testing.T) {
				t.Parallel()
				s, peer := tcp4Pair(t)
				if _, err := peer.Write(tc.sent); err != nil {
					t.Fatal(err)
				}
				if err := peer.Close(); err != nil {
					t.Fatal(err)
				}
				_, err := tc.read(s, rb)
				var ie *errs.IncompleteReadError
				if !errors.As(err, &ie) {
					t.Fatalf("read buffer %d: err = %v (%T), want *errs.IncompleteReadError", rb, err, err)
				}
				if ie.Transport != "tcp" || !strings.Contains(err.Error(), "transport tcp, after") {
					t.Errorf("read buffer %d: %q does not name the transport", rb, err)
				}
				if !errors.Is(err, tc.part) || !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("read buffer %d: %v does not match %v and io.ErrUnexpectedEOF", rb, err, tc.part)
				}
				if ie.Received != tc.received || (tc.expected != 0 && ie.Expected != tc.expected) {
					t.Errorf("read buffer %d: Expected, Received = %d, %d", rb, ie.Expected, ie.Received)
				}
			})
		}
	}
}

func TestFramerOverTCPPassesThrough(t *testing.T) {
	t.Parallel()
	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			t.Parallel()
			s, peer := fam.pair(t)
			f := frame.New[codec.Uvarint](s)
			want, _ := s.RemoteAddress()
			if got, ok := f.RemoteAddress(); !ok || got != want || got.Port() != uint16(peer.LocalAddr().(*net.TCPAddr).Port) {
				t.Errorf("Framer.RemoteAddress = %v, %v; want %v", got, ok, want)
			}
			if st := f.ConnState(); st.Transport != "tcp" {
				t.Errorf("Framer.ConnState = %+v, want transport tcp", st)
			}

			// A message large enough for the vectored path arrives whole.
			msg := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
			done := make(chan error, 1)
			go func() { done <- f.WriteMsg(msg) }()
			got, err := frame.New[codec.Uvarint](peer).ReadMsg()
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("peer read %d bytes, %v; want %d", len(got), err, len(msg))
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}

			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if err := f.WriteMsg([]byte("late")); !errors.Is(err, net.ErrClosed) {
				t.Errorf("WriteMsg after Close = %v, want net.ErrClosed", err)
			}
			if got, ok := f.RemoteAddress(); !ok || got != want {
				t.Errorf("after Close: Framer.RemoteAddress = %v, %v; want %v", got, ok, want)
			}
		})
	}
}
