package testkit

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"testing"
)

// GCM returns AES-128-GCM with the standard 12-byte nonce and a key of 16
// bytes, every one of them key: different key bytes give the two directions
// of a session the different keys an AEAD encrypter requires. It fails tb if
// crypto/cipher refuses, which it does not for these arguments.
//
// The AEAD keeps no state between calls, so one may serve several
// encrypters, in any goroutines, at once.
func GCM(tb testing.TB, key byte) cipher.AEAD {
	tb.Helper()
	block, err := aes.NewCipher(bytes.Repeat([]byte{key}, 16))
	if err != nil {
		tb.Fatalf("testkit: aes.NewCipher: %v", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		tb.Fatalf("testkit: cipher.NewGCM: %v", err)
	}
	return aead
}

// Nonce returns the nonce of message counter for an AEAD whose nonce is size
// bytes, as the AEAD encrypter lays it out: size−8 zero bytes, then counter
// big-endian in the last 8. The caller owns the new slice. It panics if size
// is less than 8, which no such AEAD has.
func Nonce(size int, counter uint64) []byte {
	if size < 8 {
		panic("testkit: a nonce of fewer than 8 bytes cannot hold the counter")
	}
	nonce := make([]byte, size)
	binary.BigEndian.PutUint64(nonce[size-8:], counter)
	return nonce
}
