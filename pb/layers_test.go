package pb_test

import (
	"errors"
	"io"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/pb"
	"github.com/framekit/framekit/pb/internal/testpb"
	"github.com/framekit/framekit/secure"
)

// Over a Framer of every codec, each frame Write sends holds exactly
// proto.Marshal's bytes, and Read reads back frames that hold them.
func TestEveryCodecCarriesMarshalledBytes(t *testing.T) {
	t.Parallel()
	for _, name := range frame.CodecNames() {
		var msgs []*testpb.Identify
		for _, m := range identifies(40) {
			if name != "be8" || proto.Size(m) <= 255 {
				msgs = append(msgs, m)
			}
		}
		// pb.Write, read back as raw frames.
		var wire testkit.Buffer
		w, err := frame.NewByName(name, &wire)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if err := pb.Write(w, m); err != nil {
				t.Fatalf("%s: Write: %v", name, err)
			}
		}
		raw, _ := frame.NewByName(name, &wire)
		for i, m := range msgs {
			body, err := raw.ReadMsg()
			if err != nil || string(body) != string(mustMarshal(t, m)) {
				t.Fatalf("%s: frame %d: %x, %v; want proto.Marshal's %x", name, i, body, err, mustMarshal(t, m))
			}
		}
		// Raw frames of proto.Marshal's bytes, read with pb.Read.
		for _, m := range msgs {
			if err := w.WriteMsg(mustMarshal(t, m)); err != nil {
				t.Fatal(err)
			}
		}
		var got []*testpb.Identify
		for {
			m := new(testpb.Identify)
			if err := pb.Read(raw, m); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: Read: %v", name, err)
			}
			got = append(got, m)
		}
		equalMsgs(t, got, msgs)
	}
}

// encryptedPair returns the two ends of an encrypted session over loopback
// TCP, each on a BE16 Framer.
func encryptedPair(t *testing.T) (a, b *secure.Encrypted) {
	ca, cb := testkit.TCPPair(t)
	encA, err := secure.NewAEADEncrypter(testkit.GCM(t, 1), testkit.GCM(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	encB, err := secure.NewAEADEncrypter(testkit.GCM(t, 2), testkit.GCM(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	return secure.NewEncrypted(frame.New[codec.BE16](ca), encA), secure.NewEncrypted(frame.New[codec.BE16](cb), encB)
}

// Over the encrypted layer, on loopback TCP: messages written with Write are
// sealed in place and read back with Read; one above the layer's plaintext
// limit is refused before it is marshalled, and the session goes on.
func TestOverEncryptedLayer(t *testing.T) {
	t.Parallel()
	a, b := encryptedPair(t)
	msgs := identifies(40)
	tooLarge := &testpb.Identify{PublicKey: make([]byte, a.MaxSize())} // its size adds a tag and a length
	done := make(chan error, 1)
	go func() {
		w := pb.NewWriter(a)
		for i, m := range msgs {
			if i == len(msgs)/2 {
				var e *errs.MessageTooLargeError
				if err := w.WriteMsg(tooLarge); !errors.As(err, &e) || e.Max != uint64(a.MaxSize()) {
					done <- err
					return
				}
			}
			if err := w.WriteMsg(m); err != nil {
				done <- err
				return
			}
		}
		done <- a.CloseWrite()
	}()
	r := pb.NewReader(b)
	got := readAll(t, func(m *testpb.Identify) error { return r.ReadMsg(m) })
	if err := <-done; err != nil {
		t.Fatalf("writer: %v", err)
	}
	equalMsgs(t, got, msgs)
}
