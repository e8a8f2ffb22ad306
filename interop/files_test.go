package interop

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/frame"
)

// encodeLibs and decodeLibs name the Node peer's ways of framing: it-length-
// prefixed's encode and decode, it-length-prefixed-stream's write, writeV
// and read.
var (
	encodeLibs = []string{"lp", "stream", "streamv"}
	decodeLibs = []string{"lp", "stream"}
)

// files are the paths one exchange of files uses.
type files struct{ msgs, theirs, ours, decoded string }

func newFiles(dir string) files {
	return files{
		msgs:    filepath.Join(dir, "msgs.hex"),
		theirs:  filepath.Join(dir, "theirs.bin"),
		ours:    filepath.Join(dir, "ours.bin"),
		decoded: filepath.Join(dir, "decoded.hex"),
	}
}

// theirEncoding has the Node peer frame msgs with lib and returns the bytes.
func theirEncoding(t tester, peer *batchPeer, f files, lib string, msgs [][]byte) []byte {
	t.Helper()
	writeMessages(t, f.msgs, msgs)
	r := peer.do(t, command{Mode: "encode", Lib: lib, In: f.msgs, Out: f.theirs})
	if r.Error != nil || r.Count != len(msgs) {
		t.Fatalf("node %s encode of %d messages: %d, %v", lib, len(msgs), r.Count, r.Error)
	}
	b, err := os.ReadFile(f.theirs)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return b
}

// theirDecoding has the Node peer unframe stream with lib, fed in chunks of
// chunk bytes (0: at once), and returns the messages and its answer.
func theirDecoding(t tester, peer *batchPeer, f files, lib string, stream []byte, chunk, max int) ([][]byte, result) {
	t.Helper()
	if err := os.WriteFile(f.ours, stream, 0o644); err != nil {
		t.Fatalf("%v", err)
	}
	r := peer.do(t, command{Mode: "decode", Lib: lib, In: f.ours, Out: f.decoded, Chunk: chunk, Max: max})
	msgs := readMessages(t, f.decoded)
	if len(msgs) != r.Count {
		t.Fatalf("node %s decode counted %d messages and wrote %d", lib, r.Count, len(msgs))
	}
	return msgs, r
}

// checkTheirCleanEnd checks that lib's decoder read a well-formed stream to
// its end: it-length-prefixed ends quietly; it-length-prefixed-stream has no
// clean end, its read throws UnexpectedEOFError, here between messages.
func checkTheirCleanEnd(t tester, lib string, r result) {
	t.Helper()
	switch {
	case lib == "lp" && r.Error == nil:
	case lib == "stream" && r.Error != nil && r.Error.Code == "ERR_UNEXPECTED_EOF" && r.Where == "boundary":
	default:
		t.Fatalf("node %s decode ended with %v (where %q), want the end of a well-formed stream", lib, r.Error, r.Where)
	}
}

// exchange checks msgs both ways: their framing is byte for byte ours, our
// reader reads theirs, their reader reads ours.
func exchange(t tester, peer *batchPeer, f files, msgs [][]byte, encodeLib, decodeLib string, chunk, readBuffer, writeBuffer int) {
	t.Helper()
	ours := ourEncoding(t, msgs, writeBuffer)
	theirs := theirEncoding(t, peer, f, encodeLib, msgs)
	if !bytes.Equal(theirs, ours) {
		t.Fatalf("node %s framed %d messages in %d bytes, we in %d; first difference at byte %d",
			encodeLib, len(msgs), len(theirs), len(ours), firstDiff(theirs, ours))
	}
	got, err := ourDecoding(theirs, frame.WithReadBuffer(readBuffer))
	if err != nil {
		t.Fatalf("our reader (read buffer %d) on node %s's stream: %v", readBuffer, encodeLib, err)
	}
	if d := sameMessages(got, msgs); d != "" {
		t.Fatalf("our reader (read buffer %d) on node %s's stream: %s", readBuffer, encodeLib, d)
	}
	got, r := theirDecoding(t, peer, f, decodeLib, ours, chunk, 0)
	checkTheirCleanEnd(t, decodeLib, r)
	if d := sameMessages(got, msgs); d != "" {
		t.Fatalf("node %s decode (chunks of %d) of our stream: %s", decodeLib, chunk, d)
	}
}

// TestFilesBoundarySizes frames messages at every header width change up to
// 2 MiB with every Node framing, and reads them with every Node reader.
func TestFilesBoundarySizes(t *testing.T) {
	t.Parallel()
	peer := startBatch(t)
	f := newFiles(t.TempDir())
	msgs := makeMessages(1, boundarySizes)
	for i, encodeLib := range encodeLibs {
		for j, decodeLib := range decodeLibs {
			exchange(t, peer, f, msgs, encodeLib, decodeLib, []int{0, 1000}[(i+j)%2],
				readBuffers[(i+j)%len(readBuffers)], []int{0, 100, 1 << 16}[i])
		}
	}
}

// TestFilesRandomStreams is the same exchange on random streams: sizes
// around the header boundaries and up to 40 KB, contents, Node framings,
// chunkings of the Node reader's input, and our buffer sizes.
func TestFilesRandomStreams(t *testing.T) {
	t.Parallel()
	peer := startBatch(t)
	f := newFiles(t.TempDir())
	size := rapid.OneOf(
		rapid.IntRange(0, 300),
		rapid.SampledFrom([]int{126, 127, 128, 129, 16382, 16383, 16384, 16385}),
		rapid.IntRange(0, 40000),
	)
	rapid.Check(t, func(rt *rapid.T) {
		sizes := rapid.SliceOfN(size, 0, 20).Draw(rt, "sizes")
		msgs := makeMessages(rapid.Uint64().Draw(rt, "seed"), sizes)
		exchange(rt, peer, f, msgs,
			rapid.SampledFrom(encodeLibs).Draw(rt, "encodeLib"),
			rapid.SampledFrom(decodeLibs).Draw(rt, "decodeLib"),
			rapid.SampledFrom([]int{0, 1, 2, 3, 7, 100, 4096}).Draw(rt, "chunk"),
			rapid.SampledFrom(readBuffers).Draw(rt, "readBuffer"),
			rapid.SampledFrom([]int{0, 100, 1 << 16}).Draw(rt, "writeBuffer"))
	})
}
