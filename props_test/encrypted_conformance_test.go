package props_test

import (
	"crypto/aes"
	"crypto/cipher"
	"net"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/conn"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/frame/frametest"
	"github.com/framekit/framekit/internal/testkit"
)

// TestEncryptedConformance runs the frametest harness on Encrypted pairs
// (AES-GCM over Framers) for BE16, BE32 and Uvarint, over net.Pipe and
// loopback TCP, with the option sets of TestConformance, and with the raw
// stream, so that the ciphertext is cut at every byte. The harness's limit is
// the largest plaintext: the inner limit minus the tag.
func TestEncryptedConformance(t *testing.T) {
	t.Parallel()
	encConformance[codec.BE16](t)
	encConformance[codec.BE32](t)
	encConformance[codec.Uvarint](t)
}

// Keys of the conformance sessions, one per direction.
var (
	confKeyAB = []byte("conformance-key-a-to-b-256-bits!")
	confKeyBA = []byte("conformance-key-b-to-a-256-bits!")
)

// confEncrypters returns a fresh pair of Encrypters, each side's send key
// the other's receive key, all AES-256-GCM.
func confEncrypters() (a, b frame.Encrypter, err error) {
	aeads := make([]cipher.AEAD, 4)
	for i, key := range [][]byte{confKeyAB, confKeyBA, confKeyBA, confKeyAB} {
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, nil, err
		}
		if aeads[i], err = cipher.NewGCM(block); err != nil {
			return nil, nil, err
		}
	}
	if a, err = frame.NewAEADEncrypter(aeads[0], aeads[1]); err != nil {
		return nil, nil, err
	}
	b, err = frame.NewAEADEncrypter(aeads[2], aeads[3])
	return a, b, err
}

// encryptedEnds returns Encrypted ends over Framers on L over a and b.
func encryptedEnds[L codec.LengthCodec](a, b conn.ReadWriteCloser, opts []frame.Option) (*frame.Encrypted, *frame.Encrypted, error) {
	ea, eb, err := confEncrypters()
	if err != nil {
		return nil, nil, err
	}
	return frame.NewEncrypted(frame.New[L](a, opts...), ea), frame.NewEncrypted(frame.New[L](b, opts...), eb), nil
}

func encConformance[L codec.LengthCodec](t *testing.T) {
	var c L
	limit := limitFor[L](1 << 20)
	sets := []optionSet{
		{name: "defaults"},
		{name: "batched-exact", opts: []frame.Option{frame.WithWriteBuffer(4096), frame.WithReadBuffer(0)}},
		{name: "tiny-split", opts: []frame.Option{frame.WithReadBuffer(16)}, split: true},
	}
	for _, set := range sets {
		opts := append([]frame.Option{frame.WithMaxSize(limit)}, set.opts...)
		ends := func(a, b net.Conn) (frame.MsgReadWriteCloser, frame.MsgReadWriteCloser, func(), error) {
			stop := func() { a.Close(); b.Close() }
			if set.split {
				a, b = &splitConn{Conn: a}, &splitConn{Conn: b}
			}
			ea, eb, err := encryptedEnds[L](a, b, opts)
			if err != nil {
				stop()
				return nil, nil, nil, err
			}
			return ea, eb, stop, nil
		}
		harness := []frametest.Option{
			frametest.WithMaxSize(limit - gcmOverhead),
			frametest.WithStream(func(w, r conn.ReadWriteCloser) (frame.MsgWriter, frame.MsgReader, error) {
				ew, er, err := encryptedEnds[L](w, r, opts)
				return ew, er, err
			}),
		}
		t.Run(c.String()+"/pipe/"+set.name, func(t *testing.T) {
			t.Parallel()
			frametest.TestMsgPipe(t, func() (a, b frame.MsgReadWriteCloser, stop func(), err error) {
				return ends(net.Pipe())
			}, harness...)
		})
		t.Run(c.String()+"/tcp/"+set.name, func(t *testing.T) {
			t.Parallel()
			frametest.TestMsgPipe(t, func() (a, b frame.MsgReadWriteCloser, stop func(), err error) {
				ca, cb, err := testkit.OpenTCPPair()
				if err != nil {
					return nil, nil, nil, err
				}
				return ends(ca, cb)
			}, harness...)
		})
	}
}
