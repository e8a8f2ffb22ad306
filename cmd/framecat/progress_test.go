package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgressIsSilentWithoutATerminal(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	p := (&app{stderr: &stderr}).startProgress("decode")
	p.addBytes(1 << 20)
	p.addFrame()
	p.stop()
	if stderr.Len() != 0 {
		t.Errorf("progress wrote %q with stderr not a terminal", stderr.String())
	}
}

func TestProgressRedrawsOneLineAndErasesIt(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	p := newProgress("decode", &stderr)
	p.stop() // nothing drawn: nothing to erase
	if got := stderr.String(); got != "" {
		t.Fatalf("stop without a draw wrote %q", got)
	}

	p = newProgress("decode", &stderr)
	p.addBytes(3 << 20)
	p.addBytes(1 << 19)
	for range 1200 {
		p.addFrame()
	}
	p.draw()
	p.bytes.Store(100)
	p.frames.Store(1)
	p.draw() // shorter: blanks the rest of the longer line
	p.stop()
	p.stop()
	line1 := "framecat decode: 3.5 MiB, 1200 frames"
	line2 := "framecat decode: 100 B, 1 frame"
	want := "\r" + line1 +
		"\r" + line2 + strings.Repeat(" ", len(line1)-len(line2)) +
		"\r" + strings.Repeat(" ", len(line2)) + "\r"
	if got := stderr.String(); got != want {
		t.Errorf("drawn %q,\nwant  %q", got, want)
	}
}

func TestHumanBytes(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB",
		5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB", 2 << 40: "2.0 TiB", 4096 << 40: "4096.0 TiB",
	} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
