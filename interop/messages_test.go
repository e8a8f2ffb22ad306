package interop

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// boundarySizes are message sizes at every uvarint header width change up to
// a 4-byte header, plus 1 MiB.
var boundarySizes = []int{0, 1, 2, 127, 128, 129, 255, 256, 16383, 16384, 16385,
	65535, 65536, 1<<20 - 1, 1 << 20, 1<<21 - 1, 1 << 21, 0}

// readBuffers are the read-ahead sizes our reader is checked with: exact
// mode, a buffer smaller than most headers plus bodies, and the default.
var readBuffers = []int{0, 16, frame.DefaultReadBuffer}

// makeMessages returns one message per size, with contents from seed.
func makeMessages(seed uint64, sizes []int) [][]byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	rng := rand.NewChaCha8(key)
	msgs := make([][]byte, len(sizes))
	for i, n := range sizes {
		msgs[i] = make([]byte, n)
		rng.Read(msgs[i])
	}
	return msgs
}

// writeMessages writes a messages file for the Node peer: one message per
// line in hex, a format neither side frames with.
func writeMessages(t tester, path string, msgs [][]byte) {
	t.Helper()
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(hex.EncodeToString(m))
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatalf("%v", err)
	}
}

// readMessages reads a messages file the Node peer wrote.
func readMessages(t tester, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if len(b) == 0 {
		return nil
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	msgs := make([][]byte, len(lines))
	for i, line := range lines {
		if msgs[i], err = hex.DecodeString(line); err != nil {
			t.Fatalf("%s line %d: %v", path, i+1, err)
		}
	}
	return msgs
}

// nopCloser makes a reader or a writer a stream for a Framer.
type nopCloser struct {
	io.Reader
	io.Writer
}

func (nopCloser) Close() error { return nil }

// ourEncoding is framekit's uvarint framing of msgs, written through a
// Framer with a batch of writeBuffer bytes (0: unbatched).
func ourEncoding(t tester, msgs [][]byte, writeBuffer int) []byte {
	t.Helper()
	var buf bytes.Buffer
	f := frame.New[codec.Uvarint](nopCloser{Writer: &buf}, frame.WithWriteBuffer(writeBuffer))
	for i, m := range msgs {
		if err := f.WriteMsg(m); err != nil {
			t.Fatalf("our WriteMsg of message %d (%d bytes): %v", i, len(m), err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatalf("our Close: %v", err)
	}
	return buf.Bytes()
}

// ourDecoding reads stream with a Framer until an error: it returns the
// messages read and the error, nil at a clean end (io.EOF).
func ourDecoding(stream []byte, opts ...frame.Option) ([][]byte, error) {
	f := frame.New[codec.Uvarint](nopCloser{Reader: bytes.NewReader(stream)}, opts...)
	var msgs [][]byte
	for {
		m, err := f.ReadMsg()
		if err == io.EOF {
			return msgs, nil
		}
		if err != nil {
			return msgs, err
		}
		msgs = append(msgs, m)
	}
}

// sameMessages reports the first difference between got and want, or "".
func sameMessages(got, want [][]byte) string {
	for i := range min(len(got), len(want)) {
		if !bytes.Equal(got[i], want[i]) {
			return fmt.Sprintf("message %d differs: got %d bytes, want %d; first difference at byte %d",
				i, len(got[i]), len(want[i]), firstDiff(got[i], want[i]))
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("got %d messages, want %d", len(got), len(want))
	}
	return ""
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
