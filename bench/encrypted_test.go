package bench

import (
	"bytes"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/secure"
)

// BenchmarkEncrypted compares, on 64 KiB messages, one message sealed and
// opened with raw cipher.AEAD calls ("raw-seal-open", the ceiling) with one
// message written and read back through an Encrypted over a Framer over an
// in-memory stream ("framer"), and with the same done by hand: Seal, Framer
// WriteMsg, Framer ReadMsgView, Open in place ("hand-rolled"). Compare the
// ns/op of one run: framer/raw is the layer's cost over the cryptography
// alone.
func BenchmarkEncrypted(b *testing.B) {
	runs := []struct {
		name string
		make func(*testing.B) func(i int)
	}{
		{"raw-seal-open", encRaw},
		{"framer", func(b *testing.B) func(int) { return encLayered(b, false) }},
		{"hand-rolled", encHandRolled},
	}
	for _, r := range runs {
		b.Run(r.name, func(b *testing.B) {
			run := r.make(b)
			b.SetBytes(encSize)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				run(i)
			}
		})
	}

	// Interleaved: each iteration times one raw seal+open, one round trip
	// through the layer over a Framer, one through the layer over a stream it
	// knows nothing about (the generic path: seal into a buffer that the
	// inner WriteMsg copies) and one hand-rolled, so that all see the same
	// noise from the machine. The metrics are the ratios of the summed times:
	// framer/raw is the layer's speed as a fraction of the cryptography's.
	b.Run("interleaved", func(b *testing.B) {
		runs := []func(int){encRaw(b), encLayered(b, false), encLayered(b, true), encHandRolled(b)}
		names := []string{"", "framer/raw", "generic/raw", "hand-rolled/raw"}
		spent := make([]time.Duration, len(runs))
		b.SetBytes(int64(len(runs)) * encSize)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			for j, run := range runs {
				t := time.Now()
				run(i)
				spent[j] += time.Since(t)
			}
		}
		for j := 1; j < len(runs); j++ {
			b.ReportMetric(float64(spent[0])/float64(spent[j]), names[j])
		}
	})
}

// encSize is the message size of BenchmarkEncrypted, and encMsg a message.
const encSize = 64 << 10

var encMsg = bytes.Repeat([]byte("framekit"), encSize/8)

// encRaw returns one op of the ceiling: message i sealed and opened in place
// with raw cipher.AEAD calls, no stream.
func encRaw(b *testing.B) func(int) {
	seal, open := testkit.GCM(b, 1), testkit.GCM(b, 1)
	nonce := make([]byte, seal.NonceSize())
	buf := make([]byte, 0, encSize+seal.Overhead())
	return func(i int) {
		nonce[len(nonce)-1] = byte(i)
		sealed := seal.Seal(buf[:0], nonce, encMsg, nil)
		if _, err := open.Open(sealed[:0], nonce, sealed, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// encLayered returns one op of the layer: a message written and read back
// through an Encrypted over a Framer over an in-memory stream; with generic,
// the writing Encrypted sees its Framer only as a frame.MsgReadWriteCloser.
func encLayered(b *testing.B, generic bool) func(int) {
	send, err := secure.NewAEADEncrypter(testkit.GCM(b, 1), testkit.GCM(b, 2))
	if err != nil {
		b.Fatal(err)
	}
	recv, err := secure.NewAEADEncrypter(testkit.GCM(b, 2), testkit.GCM(b, 1))
	if err != nil {
		b.Fatal(err)
	}
	wire := new(testkit.Buffer)
	var inner frame.MsgReadWriteCloser = frame.New[codec.Uvarint](wire)
	if generic {
		inner = encOpaque{inner}
	}
	w := secure.NewEncrypted(inner, send)
	r := secure.NewEncrypted(frame.New[codec.Uvarint](wire), recv)
	return func(int) {
		if err := w.WriteMsg(encMsg); err != nil {
			b.Fatal(err)
		}
		if got, err := r.ReadMsgView(); err != nil || len(got) != encSize {
			b.Fatal(len(got), err)
		}
	}
}

// encHandRolled returns one op of the same done by hand: Seal, Framer
// WriteMsg, Framer ReadMsgView, Open in place.
func encHandRolled(b *testing.B) func(int) {
	seal, open := testkit.GCM(b, 1), testkit.GCM(b, 1)
	wnonce := make([]byte, seal.NonceSize())
	rnonce := make([]byte, open.NonceSize())
	buf := make([]byte, 0, encSize+seal.Overhead())
	wire := new(testkit.Buffer)
	w, r := frame.New[codec.Uvarint](wire), frame.New[codec.Uvarint](wire)
	return func(i int) {
		wnonce[len(wnonce)-1] = byte(i)
		if err := w.WriteMsg(seal.Seal(buf[:0], wnonce, encMsg, nil)); err != nil {
			b.Fatal(err)
		}
		sealed, err := r.ReadMsgView()
		if err != nil {
			b.Fatal(err)
		}
		rnonce[len(rnonce)-1] = byte(i)
		if got, err := open.Open(sealed[:0], rnonce, sealed, nil); err != nil || len(got) != encSize {
			b.Fatal(len(got), err)
		}
	}
}

// encOpaque hides every method of a message stream but those of
// frame.MsgReadWriteCloser, so Encrypted takes its generic path.
type encOpaque struct{ frame.MsgReadWriteCloser }
