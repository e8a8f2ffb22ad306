package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// run runs framecat with args, stdin read from in (an *os.File or any
// reader), and returns its exit status, stdout and stderr.
func run(t *testing.T, in any, args ...string) (int, []byte, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := &app{stdout: &stdout, stderr: &stderr}
	switch in := in.(type) {
	case *os.File:
		a.stdin = in
	case []byte:
		a.stdin = bytes.NewReader(in)
	}
	return a.main(args), stdout.Bytes(), stderr.String()
}

// tempFile returns an open file holding b, read from offset 0.
func tempFile(t *testing.T, b []byte) *os.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// encode -split whole from a regular file (streamed) and from a pipe
// (buffered) write the same frame, and fail alike over -max; decode
// -format raw gives the file back, and names a truncated frame.
func TestWholeFileStreams(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef\n"), 20000) // 340000 bytes, over a 64 KiB piece
	want, err := frame.AppendFrame[codec.Uvarint](nil, body)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"encode", "-codec", "uvarint", "-split", "whole", "-max", "1M"}
	status, streamed, stderr := run(t, tempFile(t, body), args...)
	if status != 0 || !bytes.Equal(streamed, want) || stderr != "" {
		t.Fatalf("streamed: status %d, %d bytes out, %q", status, len(streamed), stderr)
	}
	if status, buffered, _ := run(t, body, args...); status != 0 || !bytes.Equal(buffered, want) {
		t.Fatalf("buffered: status %d, %d bytes out", status, len(buffered))
	}
	small := []string{"encode", "-codec", "uvarint", "-split", "whole", "-max", "1000"}
	s1, out1, err1 := run(t, tempFile(t, body), small...)
	s2, out2, err2 := run(t, body, small...)
	if s1 != 1 || s2 != 1 || len(out1)+len(out2) != 0 || err1 != err2 || err1 == "" {
		t.Fatalf("over -max: streamed %d %q, buffered %d %q", s1, err1, s2, err2)
	}

	frames := append(append([]byte(nil), want...), want...)
	status, raw, stderr := run(t, tempFile(t, frames), "decode", "-codec", "uvarint", "-format", "raw", "-max", "1M")
	if status != 0 || !bytes.Equal(raw, append(append([]byte(nil), body...), body...)) || stderr != "" {
		t.Fatalf("decode raw: status %d, %d bytes out, %q", status, len(raw), stderr)
	}
	status, raw, stderr = run(t, tempFile(t, frames[:len(frames)-10]), "decode", "-codec", "uvarint", "-format", "raw", "-max", "1M")
	const wantErr = "framecat decode: frame 2 at offset 340003: truncated message body: expected 340000 bytes, got 339990\n"
	if status != 1 || len(raw) != 2*len(body)-10 || stderr != wantErr {
		t.Fatalf("decode raw, truncated: status %d, %d bytes out, %q", status, len(raw), stderr)
	}
}
