package conn_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/internal/iox"
	"github.com/framekit/framekit/internal/testkit"
)

// wantIncomplete checks that err is a plain *errs.IncompleteReadError with
// the given numbers and returns it.
func wantIncomplete(t *testing.T, err error, expected, received int) *errs.IncompleteReadError {
	t.Helper()
	var ie *errs.IncompleteReadError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v (%T), want *errs.IncompleteReadError", err, err)
	}
	if ie.Expected != expected || ie.Received != received {
		t.Errorf("Expected, Received = %d, %d; want %d, %d", ie.Expected, ie.Received, expected, received)
	}
	if ie.IsCleanClose() != (received == 0) {
		t.Errorf("IsCleanClose = %v with %d bytes received", ie.IsCleanClose(), received)
	}
	for _, target := range []error{io.ErrUnexpectedEOF, errs.ErrIncompleteRead, errs.ErrIO} {
		if !errors.Is(err, target) {
			t.Errorf("err = %v does not match %v", err, target)
		}
	}
	if err == io.EOF || errors.Is(err, errs.ErrMsgio) {
		t.Errorf("err = %v: a plain short read is neither io.EOF nor a framing error", err)
	}
	return ie
}

func TestReadExactlyTrickle(t *testing.T) {
	t.Parallel()
	want := make([]byte, 5000)
	rand.New(rand.NewSource(1)).Read(want)
	r := &testkit.Stream{R: iotest.OneByteReader(bytes.NewReader(want))}
	got, err := conn.ReadExactly(r, len(want))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadExactly over 5000 one-byte reads: %d bytes, %v", len(got), err)
	}
	if r.Reads != len(want) {
		t.Errorf("%d Read calls, want %d", r.Reads, len(want))
	}
}

func TestReadExactlyNoProgress(t *testing.T) {
	t.Parallel()
	r := &testkit.Stream{R: testkit.Repeat([]byte("x")), Steps: []int{0}} // (0, nil) for ever
	got, err := conn.ReadExactly(r, 4)
	if !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("err = %v, want io.ErrNoProgress", err)
	}
	if len(got) != 0 {
		t.Errorf("got %q, want nothing", got)
	}
	if r.Reads != iox.MaxEmptyReads {
		t.Errorf("gave up after %d reads, want %d", r.Reads, iox.MaxEmptyReads)
	}
}

func TestReadExactlyEmptyReadsBetweenProgress(t *testing.T) {
	t.Parallel()
	// Only a run of empty reads ends the loop: any progress starts it over.
	r := &testkit.Stream{R: testkit.Repeat([]byte("x")), Steps: append(make([]int, iox.MaxEmptyReads-1), 1)}
	got, err := conn.ReadExactly(r, 10)
	if err != nil || string(got) != "xxxxxxxxxx" {
		t.Fatalf("ReadExactly = %q, %v", got, err)
	}
}

func TestReadExactlyNoticesEOF(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		r     io.Reader
		n     int
		have  int // bytes the reader holds
		calls int // Read calls needed to learn that
	}{
		{"empty", strings.NewReader(""), 8, 0, 1},
		{"one byte at a time", iotest.OneByteReader(strings.NewReader("0123456789")), 20, 10, 11},
		{"data with EOF", iotest.DataErrReader(strings.NewReader("abc")), 8, 3, 1},
		{"data then EOF", strings.NewReader("abc"), 8, 3, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &testkit.Stream{R: tc.r}
			got, err := conn.ReadExactly(r, tc.n)
			ie := wantIncomplete(t, err, tc.n, tc.have)
			if len(got) != tc.have {
				t.Errorf("returned %d bytes, want the %d received", len(got), tc.have)
			}
			if r.Reads != tc.calls {
				t.Errorf("%d Read calls, want %d", r.Reads, tc.calls)
			}
			if ie.Transport != "" || strings.Contains(err.Error(), "transport") {
				t.Errorf("a plain reader has no transport: %v", err)
			}
		})
	}
}

func TestReadExactlyErrorText(t *testing.T) {
	t.Parallel()
	_, err := conn.ReadExactly(strings.NewReader("abc"), 8)
	const want = "framekit: stream ended during read: expected 8 bytes but received 3"
	if err == nil || err.Error() != want {
		t.Fatalf("error text %q, want %q", err, want)
	}
}

func TestReadExactlyOtherError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(boom))
	got, err := conn.ReadExactly(r, 5)
	if err != boom || string(got) != "ab" {
		t.Fatalf("ReadExactly = %q, %v; want ab, boom as it is", got, err)
	}
}

func TestReadExactlyZero(t *testing.T) {
	t.Parallel()
	r := &testkit.Stream{R: strings.NewReader("")}
	got, err := conn.ReadExactly(r, 0)
	if err != nil || len(got) != 0 || r.Reads != 0 {
		t.Fatalf("ReadExactly(r, 0) = %q, %v after %d reads; want empty, nil, 0", got, err, r.Reads)
	}
}

func TestReadExactlyNegativePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("ReadExactly(r, -1) did not panic")
		}
	}()
	_, _ = conn.ReadExactly(strings.NewReader("abc"), -1)
}

func TestReadExactlyIntoNoAlloc(t *testing.T) {
	src := []byte("hello, world")
	r := bytes.NewReader(nil)
	buf := make([]byte, len(src))
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(src)
		if k, err := conn.ReadExactlyInto(r, buf); err != nil || k != len(src) {
			t.Fatalf("ReadExactlyInto = %d, %v", k, err)
		}
	})
	if allocs != 0 {
		t.Errorf("ReadExactlyInto allocated %.0f times per call, want 0", allocs)
	}
	if string(buf) != string(src) {
		t.Errorf("buf = %q", buf)
	}
}

func TestReadExactlyIntoShort(t *testing.T) {
	t.Parallel()
	buf := make([]byte, 6)
	k, err := conn.ReadExactlyInto(strings.NewReader("abcd"), buf)
	wantIncomplete(t, err, 6, 4)
	if k != 4 || string(buf[:k]) != "abcd" {
		t.Errorf("ReadExactlyInto = %d, %q", k, buf[:k])
	}
}

func TestReadExactlyOverTCPNamesTransport(t *testing.T) {
	t.Parallel()
	s, peer := tcp4Pair(t)
	if _, err := peer.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	if err := peer.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := conn.ReadExactly(s, 10)
	ie := wantIncomplete(t, err, 10, 3)
	if string(got) != "abc" {
		t.Errorf("got %q, want abc", got)
	}
	if ie.Transport != "tcp" {
		t.Errorf("Transport = %q, want tcp", ie.Transport)
	}
	if !strings.Contains(err.Error(), "transport tcp, after") {
		t.Errorf("error text %q does not name the transport", err)
	}
}

func TestReadExactlyOverTCPReset(t *testing.T) {
	t.Parallel()
	s, peer := tcp4Pair(t)
	if _, err := peer.Write([]byte("ab")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := conn.ReadExactlyInto(s, buf); err != nil {
		t.Fatal(err)
	}
	reset(t, peer)
	k, err := conn.ReadExactlyInto(s, make([]byte, 4))
	if k != 0 {
		t.Errorf("k = %d, want 0", k)
	}
	// A reset is not a short read: the connection error comes through.
	wantClosed(t, err)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a reset reads as a short read: %v", err)
	}
}
