package layout_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/layout"
)

// captureDir holds bytes recorded from real servers and their real clients
// by testdata/capture/capture.sh, and streams built from specifications
// where Debian has no server; manifest.json says which is which.
const captureDir = "../testdata/capture"

// capture is one line of manifest.json: one direction of one connection.
type capture struct {
	File      string `json:"file"`
	Protocol  string `json:"protocol"`
	Direction string `json:"direction"`
	Skip      int    `json:"skip"`   // unframed bytes before the first frame
	Frames    int    `json:"frames"` // frames after them, counted by another tool
	Bytes     int    `json:"bytes"`
	Source    string `json:"source"`
	Check     string `json:"check"`
}

func loadCaptures(t *testing.T) []capture {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(captureDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cs []capture
	if err := json.Unmarshal(raw, &cs); err != nil {
		t.Fatal(err)
	}
	if len(cs) == 0 {
		t.Fatal("the manifest lists no capture")
	}
	return cs
}

func (c capture) data(t *testing.T) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join(captureDir, c.File))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != c.Bytes {
		t.Fatalf("%s holds %d bytes, the manifest says %d", c.File, len(b), c.Bytes)
	}
	return b
}

// expected reads the independent tool's per-frame lines, if there are any:
// the length field as on the wire and the header fields, by name.
func (c capture) expected(t *testing.T) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(captureDir, strings.TrimSuffix(c.File, ".bin.gz")+".frames.txt"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []map[string]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := map[string]string{}
		for _, kv := range strings.Fields(sc.Text()) {
			k, v, _ := strings.Cut(kv, "=")
			fields[k] = v
		}
		lines = append(lines, fields)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// readAll reads src's unframed prefix of skip bytes, then frames until the
// end, with a Framer of p; it returns the prefix, the frames (owned) and the
// error that ended them.
func readAll(p layout.Preset, src io.Reader, skip int, opts ...frame.Option) ([]byte, []captured, error) {
	conn := p.New(nopCloser{src}, append([]frame.Option{frame.WithMaxSize(int(min(p.MaxBody(), 64<<20)))}, opts...)...)
	prefix := make([]byte, skip)
	if _, err := conn.ReadUnframed(prefix); err != nil {
		return nil, nil, fmt.Errorf("the %d unframed bytes: %w", skip, err)
	}
	var frames []captured
	for {
		h, body, err := conn.ReadFrame()
		if err == io.EOF {
			return prefix, frames, nil
		}
		if err != nil {
			return prefix, frames, fmt.Errorf("frame %d: %w", len(frames)+1, err)
		}
		frames = append(frames, captured{h, body})
	}
}

type nopCloser struct{ io.Reader }

func (nopCloser) Write(p []byte) (int, error) { return len(p), nil }
func (nopCloser) Close() error                { return nil }

// wireLength returns the value of fr's length field as it was on the wire,
// without the flag bits: what a dissector shows.
func wireLength(p layout.Preset, fr captured, encoded int) uint64 {
	spec := p.Spec()
	switch spec.Counts {
	case frame.CountsFromLength:
		after := 0
		for _, f := range spec.After {
			after += f.Size
		}
		field := encoded - len(fr.h.Fields) - len(fr.body) - len(spec.Trailer)
		return uint64(field + after + len(fr.body))
	case frame.CountsFrame:
		return uint64(encoded)
	}
	return uint64(len(fr.body))
}

// TestCaptures frames every capture with its preset: the unframed prefix,
// then exactly the frame count another tool found, each frame's length and
// header fields as that tool read them, and the stream consumed exactly to
// its end; re-encoding the frames gives back the capture byte for byte.
func TestCaptures(t *testing.T) {
	for _, c := range loadCaptures(t) {
		t.Run(strings.TrimSuffix(c.File, ".bin.gz"), func(t *testing.T) {
			t.Parallel()
			p, err := layout.Lookup(c.Protocol)
			if err != nil {
				t.Fatal(err)
			}
			data := c.data(t)
			prefix, frames, err := readAll(p, bytes.NewReader(data), c.Skip)
			if err != nil {
				t.Fatalf("%s, %d frames in: %v", c.File, len(frames), err)
			}
			if len(frames) != c.Frames {
				t.Fatalf("%d frames, the manifest says %d (%s)", len(frames), c.Frames, c.Check)
			}
			wire := prefix
			for i, fr := range frames {
				before := len(wire)
				if wire, err = p.AppendFrame(wire, fr.h, fr.body); err != nil {
					t.Fatalf("frame %d does not re-encode: %v", i+1, err)
				}
				if !bytes.Equal(wire[before:], data[before:len(wire)]) {
					t.Fatalf("frame %d (%s) re-encodes as %x…, the capture has %x…", i+1, p.Format(fr.h), head(wire[before:]), head(data[before:]))
				}
			}
			if !bytes.Equal(wire, data) {
				t.Fatalf("the frames re-encode to %d bytes, the capture is %d", len(wire), len(data))
			}
			want := c.expected(t)
			if want == nil {
				return
			}
			if len(want) != len(frames) {
				t.Fatalf("%d frames, the tool's list has %d", len(frames), len(want))
			}
			at := len(prefix)
			for i, fr := range frames {
				encoded, _ := p.AppendFrame(nil, fr.h, fr.body)
				got := map[string]string{"len": strconv.FormatUint(wireLength(p, fr, len(encoded)), 10)}
				at += len(encoded)
				for name := range want[i] {
					if name == "len" {
						continue
					}
					if name == "last" { // RPC's last-fragment flag
						got[name] = strconv.FormatUint(fr.h.Flags>>31, 10)
						continue
					}
					value, ok := p.Field(fr.h, name)
					if !ok {
						t.Fatalf("frame %d: the tool names a field %q the preset does not have", i+1, name)
					}
					if f := fieldFormat(p, name); f == frame.FieldChar {
						got[name] = string(rune(value))
					} else {
						got[name] = strconv.FormatUint(value, 10)
					}
				}
				for name, v := range want[i] {
					if got[name] != v {
						t.Fatalf("frame %d at byte %d: %s=%s, the tool says %s=%s (%s)", i+1, at-len(encoded), name, got[name], name, v, p.Format(fr.h))
					}
				}
			}
		})
	}
}

func fieldFormat(p layout.Preset, name string) frame.FieldFormat {
	spec := p.Spec()
	for _, f := range append(spec.Before, spec.After...) {
		if f.Name == name {
			return f.Format
		}
	}
	return frame.FieldUint
}

func head(b []byte) []byte { return b[:min(len(b), 16)] }

// TestCapturesInPieces feeds every capture to a Framer cut into pieces and
// checks it reads the same frames: every possible split into two reads
// (exhaustive for captures up to 64 KiB; for larger ones, every split in
// every frame's header and the first and last bytes of its body, and 32 drawn
// ones inside it, each fed to a Framer that starts at that frame's first
// byte), random small reads of 1 to 16 bytes, and exact mode.
func TestCapturesInPieces(t *testing.T) {
	for _, c := range loadCaptures(t) {
		t.Run(strings.TrimSuffix(c.File, ".bin.gz"), func(t *testing.T) {
			t.Parallel()
			p, _ := layout.Lookup(c.Protocol)
			data := c.data(t)
			prefix, frames, err := readAll(p, bytes.NewReader(data), c.Skip)
			if err != nil {
				t.Fatal(err)
			}
			same := func(how string, gotPrefix []byte, got []captured, err error) {
				t.Helper()
				if err != nil || !bytes.Equal(gotPrefix, prefix) || len(got) != len(frames) {
					t.Fatalf("%s: %d frames, %v; want %d frames", how, len(got), err, len(frames))
				}
				for i := range got {
					if !sameFrame(got[i], frames[i]) {
						t.Fatalf("%s: frame %d differs", how, i+1)
					}
				}
			}
			rng := rand.New(rand.NewPCG(uint64(len(data)), 1))
			var steps []int
			for range 64 {
				steps = append(steps, 1+rng.IntN(16))
			}
			gp, gf, err := readAll(p, &testkit.Stream{R: bytes.NewReader(data), Steps: steps}, c.Skip)
			same("random reads of 1 to 16 bytes", gp, gf, err)
			gp, gf, err = readAll(p, bytes.NewReader(data), c.Skip, frame.WithReadBuffer(0))
			same("exact mode", gp, gf, err)

			if len(data) <= 64<<10 {
				for k := 0; k <= len(data); k++ {
					gp, gf, err := readAll(p, io.MultiReader(bytes.NewReader(data[:k]), bytes.NewReader(data[k:])), c.Skip)
					same(fmt.Sprintf("split at %d", k), gp, gf, err)
				}
				return
			}
			at := len(prefix)
			for i, fr := range frames {
				encoded, _ := p.AppendFrame(nil, fr.h, fr.body)
				rest := data[at:]
				end := len(encoded)
				hdr := end - len(fr.body) - len(p.Spec().Trailer)
				var splits []int
				for k := 0; k <= end; k++ {
					if k <= hdr+8 || k >= end-8 {
						splits = append(splits, k)
					}
				}
				for range 32 {
					splits = append(splits, rng.IntN(end+1))
				}
				for _, k := range splits {
					_, gf, err := readAll(p, io.MultiReader(bytes.NewReader(rest[:k]), bytes.NewReader(rest[k:end])), 0)
					if err != nil || len(gf) != 1 || !sameFrame(gf[0], fr) {
						t.Fatalf("frame %d split at %d of %d: %d frames, %v", i+1, k, end, len(gf), err)
					}
				}
				at += end
			}
		})
	}
}

func sameFrame(a, b captured) bool {
	return bytes.Equal(a.h.Fields, b.h.Fields) && a.h.Flags == b.h.Flags && bytes.Equal(a.body, b.body)
}

// captured is a frame read from a capture: its header and its body.
type captured struct {
	h    frame.Header
	body []byte
}
