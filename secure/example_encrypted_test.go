package secure_test

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"net"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/secure"
)

// exampleGCM returns AES-128-GCM with key; real keys come from a handshake.
func exampleGCM(key string) cipher.AEAD {
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// Two peers over a pipe, each sealing with its own key and opening with the
// other's, with Noise-style 2-byte big-endian length prefixes.
func ExampleNewEncrypted() {
	const keyAB, keyBA = "key from A to B!", "key from B to A!"
	ca, cb := net.Pipe()

	encA, err := secure.NewAEADEncrypter(exampleGCM(keyAB), exampleGCM(keyBA))
	if err != nil {
		panic(err)
	}
	a := secure.NewEncrypted(frame.New[codec.BE16](ca), encA)
	defer a.Close()

	encB, err := secure.NewAEADEncrypter(exampleGCM(keyBA), exampleGCM(keyAB))
	if err != nil {
		panic(err)
	}
	b := secure.NewEncrypted(frame.New[codec.BE16](cb), encB)
	defer b.Close()

	go func() {
		for _, m := range []string{"hello", "", "bye"} {
			if err := a.WriteMsg([]byte(m)); err != nil {
				panic(err)
			}
		}
	}()
	for range 3 {
		msg, err := b.ReadMsg()
		if err != nil {
			panic(err)
		}
		fmt.Printf("%q\n", msg)
	}
	fmt.Println("largest plaintext:", a.MaxSize())
	fmt.Println(b)
	// Output:
	// "hello"
	// ""
	// "bye"
	// largest plaintext: 65519
	// encrypted(aead-encrypter(nonce 12 bytes, overhead 16 bytes, sent 0, received 3))
}
