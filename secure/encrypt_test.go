package secure_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/internal/testkit"
	"github.com/framekit/framekit/secure"
)

// Keys of the two directions of the test sessions: printable, so that a key
// leaking into text is easy to find.
var (
	encKeyAB = []byte("framekit-key-A>B")
	encKeyBA = []byte("framekit-key-B>A")
)

// encGCM returns AES-GCM with key and the given nonce size.
func encGCM(t testing.TB, key []byte, nonceSize int) cipher.AEAD {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCMWithNonceSize(block, nonceSize)
	if err != nil {
		t.Fatal(err)
	}
	return aead
}

// encPair returns the encrypters of peer A and peer B of one session, each
// direction's counter starting at start.
func encPair(t testing.TB, start uint64) (a, b secure.Encrypter) {
	t.Helper()
	a, err := secure.NewAEADEncrypterAt(encGCM(t, encKeyAB, 12), encGCM(t, encKeyBA, 12), start, start)
	if err != nil {
		t.Fatal(err)
	}
	b, err = secure.NewAEADEncrypterAt(encGCM(t, encKeyBA, 12), encGCM(t, encKeyAB, 12), start, start)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// encKeyForms returns the ways a key could show up in text.
func encKeyForms(key []byte) []string {
	return []string{string(key), hex.EncodeToString(key), strings.ToUpper(hex.EncodeToString(key)),
		fmt.Sprint(key)}
}

func TestAEADNonceLayout(t *testing.T) {
	t.Parallel()
	for _, size := range []int{8, 12, 16} {
		for _, start := range []uint64{0, 0x0102030405060708, math.MaxUint64 - 2} {
			send, recv := encGCM(t, encKeyAB, size), encGCM(t, encKeyBA, size)
			e, err := secure.NewAEADEncrypterAt(send, recv, start, start)
			if err != nil {
				t.Fatal(err)
			}
			for i := uint64(0); i < 3; i++ {
				msg := []byte(fmt.Sprintf("message %d", i))
				sealed, err := e.Encrypt(nil, msg)
				if err != nil {
					t.Fatal(err)
				}
				if len(sealed) != len(msg)+e.Overhead() {
					t.Fatalf("sealed %d bytes of %d, overhead %d", len(sealed), len(msg), e.Overhead())
				}
				// Anyone who knows the layout can open it.
				got, err := send.Open(nil, testkit.Nonce(size, start+i), sealed, nil)
				if err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("nonce %d bytes, counter %#x: raw open: %q, %v", size, start+i, got, err)
				}
				// And the receiving side opens what was sealed with it.
				peerSealed := recv.Seal(nil, testkit.Nonce(size, start+i), msg, nil)
				got, err = e.Decrypt(nil, peerSealed)
				if err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("nonce %d bytes, counter %#x: decrypt: %q, %v", size, start+i, got, err)
				}
			}
		}
	}
}

func TestAEADEncrypterRejects(t *testing.T) {
	t.Parallel()
	block, err := aes.NewCipher(encKeyAB)
	if err != nil {
		t.Fatal(err)
	}
	shortTag, err := cipher.NewGCMWithTagSize(block, 12)
	if err != nil {
		t.Fatal(err)
	}
	same := encGCM(t, encKeyAB, 12)
	cases := []struct {
		name       string
		send, recv cipher.AEAD
		text       string
	}{
		{"short send nonce", encGCM(t, encKeyAB, 7), encGCM(t, encKeyBA, 12), "nonce of 7 bytes"},
		{"short recv nonce", encGCM(t, encKeyAB, 12), encGCM(t, encKeyBA, 4), "nonce of 4 bytes"},
		{"overheads differ", shortTag, encGCM(t, encKeyBA, 12), "12 and 16 bytes"},
		{"same aead", same, same, "same aead"},
	}
	for _, c := range cases {
		e, err := secure.NewAEADEncrypter(c.send, c.recv)
		if e != nil || err == nil || errors.Is(err, errs.ErrIO) {
			t.Errorf("%s: got %v, %v; want an argument error, not an i/o error", c.name, e, err)
			continue
		}
		if !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: error %q does not say %q", c.name, err, c.text)
		}
	}
	for _, args := range [][2]cipher.AEAD{{nil, same}, {same, nil}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("NewAEADEncrypter with a nil AEAD did not panic")
				}
			}()
			secure.NewAEADEncrypter(args[0], args[1])
		}()
	}
}

func TestAEADDecryptFailure(t *testing.T) {
	t.Parallel()
	a, b := encPair(t, 0)
	secret := []byte("attack at dawn")
	first, err := a.Encrypt(nil, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := a.Encrypt(nil, secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Decrypt(nil, first); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{nil, second[:15], second[:len(second)-1], append(bytes.Clone(second), 0), first} {
		dst := []byte("kept")
		got, err := b.Decrypt(dst, bad)
		if !errors.Is(err, errs.ErrDecryptionFailed) || !errors.Is(err, errs.ErrMsgio) || !errors.Is(err, errs.ErrIO) {
			t.Fatalf("decrypt of %d bad bytes: %v, want errs.ErrDecryptionFailed", len(bad), err)
		}
		if string(got) != "kept" {
			t.Fatalf("failed decrypt returned %q, want dst unchanged", got)
		}
		want := fmt.Sprintf("message 1 (%d bytes)", len(bad))
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
		for _, leak := range append(encKeyForms(encKeyAB), string(secret)) {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("error %q contains %q", err, leak)
			}
		}
	}
	// A failure spends no nonce: the genuine message still opens.
	got, err := b.Decrypt(nil, second)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("genuine message after failures: %q, %v", got, err)
	}
}

func TestAEADInPlace(t *testing.T) {
	t.Parallel()
	a, b := encPair(t, 0)
	msg := []byte("in place, both ways")
	buf := make([]byte, len(msg), len(msg)+a.Overhead())
	copy(buf, msg)
	sealed, err := a.Encrypt(buf[:0], buf)
	if err != nil || &sealed[0] != &buf[0] || bytes.Contains(sealed, msg) {
		t.Fatalf("in-place encrypt: %v", err)
	}
	opened, err := b.Decrypt(sealed[:0], sealed)
	if err != nil || &opened[0] != &buf[0] || !bytes.Equal(opened, msg) {
		t.Fatalf("in-place decrypt: %q, %v", opened, err)
	}
}

func TestAEADNonceExhaustion(t *testing.T) {
	t.Parallel()
	sendAEAD := encGCM(t, encKeyAB, 12)
	a, err := secure.NewAEADEncrypterAt(sendAEAD, encGCM(t, encKeyBA, 12), math.MaxUint64-1, math.MaxUint64-1)
	if err != nil {
		t.Fatal(err)
	}
	_, b := encPair(t, math.MaxUint64-1)
	for _, counter := range []uint64{math.MaxUint64 - 1, math.MaxUint64} {
		sealed, err := a.Encrypt(nil, []byte("near the end"))
		if err != nil {
			t.Fatalf("counter %#x: %v", counter, err)
		}
		if _, err := sendAEAD.Open(nil, testkit.Nonce(12, counter), sealed, nil); err != nil {
			t.Fatalf("counter %#x: not sealed with its nonce: %v", counter, err)
		}
		if _, err := b.Decrypt(nil, sealed); err != nil {
			t.Fatalf("counter %#x: decrypt: %v", counter, err)
		}
	}
	for i := 0; i < 2; i++ { // and it stays so
		dst := []byte("kept")
		got, err := a.Encrypt(dst, []byte("one too many"))
		if !errors.Is(err, errs.ErrNonceExhausted) || !errors.Is(err, errs.ErrIO) || string(got) != "kept" {
			t.Fatalf("encrypt past the end: %q, %v; want ErrNonceExhausted and dst unchanged", got, err)
		}
		// Nothing the peer could send is opened past the end either, not
		// even a message sealed with a wrapped-around counter.
		wrapped := sendAEAD.Seal(nil, testkit.Nonce(12, 0), []byte("wrapped"), nil)
		if _, err := b.Decrypt(nil, wrapped); !errors.Is(err, errs.ErrNonceExhausted) {
			t.Fatalf("decrypt past the end: %v, want ErrNonceExhausted", err)
		}
	}
	if !strings.Contains(fmt.Sprint(a), "sent 18446744073709551616") {
		t.Errorf("String after exhaustion: %v", a)
	}
}

func TestAEADConcurrentEncryptUsesDistinctNonces(t *testing.T) {
	t.Parallel()
	const n = 64
	sendAEAD := encGCM(t, encKeyAB, 12)
	e, err := secure.NewAEADEncrypter(sendAEAD, encGCM(t, encKeyBA, 12))
	if err != nil {
		t.Fatal(err)
	}
	sealed := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range sealed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sealed[i], _ = e.Encrypt(nil, []byte{byte(i)})
		}()
	}
	wg.Wait()
	used := make(map[uint64]bool)
	for i, s := range sealed {
		for counter := uint64(0); counter < n; counter++ {
			if got, err := sendAEAD.Open(nil, testkit.Nonce(12, counter), s, nil); err == nil && got[0] == byte(i) {
				if used[counter] {
					t.Fatalf("counter %d used twice", counter)
				}
				used[counter] = true
			}
		}
	}
	if len(used) != n {
		t.Fatalf("%d of %d messages sealed with counters 0..%d", len(used), n, n-1)
	}
}

func TestAEADEncrypterPrintsNoKeys(t *testing.T) {
	t.Parallel()
	a, _ := encPair(t, 0)
	if _, err := a.Encrypt(nil, []byte("x")); err != nil {
		t.Fatal(err)
	}
	want := "aead-encrypter(nonce 12 bytes, overhead 16 bytes, sent 1, received 0)"
	if s := a.(fmt.Stringer).String(); s != want {
		t.Fatalf("String() = %q, want %q", s, want)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q", "%10.3v", "%p"} {
		out := fmt.Sprintf(verb, a)
		if verb != "%p" && out != want {
			t.Errorf("%s printed %q, want %q", verb, out, want)
		}
		for _, key := range [][]byte{encKeyAB, encKeyBA} {
			for _, leak := range encKeyForms(key) {
				if strings.Contains(out, leak) {
					t.Errorf("%s printed the key: %q", verb, out)
				}
			}
		}
	}
}
