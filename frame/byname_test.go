package frame_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// Every codec name makes a Framer that frames exactly as the codec's
// specification says; an unknown name is an argument error naming the known
// ones.
func TestNewByName(t *testing.T) {
	names := frame.CodecNames()
	if len(names) != 11 {
		t.Fatalf("CodecNames() = %v, want the eleven codecs", names)
	}
	for _, name := range names {
		var wire bytes.Buffer
		f, err := frame.NewByName(name, &testkit.Stream{W: &wire})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.WriteMsg([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		want := append(testkit.AppendHeader(nil, name, 5), "hello"...)
		if !bytes.Equal(wire.Bytes(), want) {
			t.Errorf("%s: wire % x, want % x", name, wire.Bytes(), want)
		}
		r, _ := frame.NewByName(name, testkit.Reading(want))
		if msg, err := r.ReadMsg(); err != nil || string(msg) != "hello" {
			t.Errorf("%s: read back %q, %v", name, msg, err)
		}
	}
	_, err := frame.NewByName("be12", &testkit.Stream{})
	if err == nil || errors.Is(err, errs.ErrIO) || !strings.Contains(err.Error(), "uvarint") {
		t.Fatalf("unknown codec: %v", err)
	}
}
