package secure

import "crypto/cipher"

// NewAEADEncrypterAt is NewAEADEncrypter with the first counter of each
// direction given, for tests that need to start near the end of the counter.
func NewAEADEncrypterAt(send, recv cipher.AEAD, sendNext, recvNext uint64) (Encrypter, error) {
	e, err := newAEADEncrypter(send, recv, sendNext, recvNext)
	if err != nil {
		return nil, err
	}
	return e, nil
}
