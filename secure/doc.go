// Package secure seals messages: Encrypted is a message stream stacked on
// another (usually a frame.Framer) that encrypts every message it writes and
// decrypts every message it reads, with an Encrypter such as the AEAD one of
// NewAEADEncrypter (py-libp2p's EncryptedMsgReadWriter and Encrypter).
//
//	enc, err := secure.NewAEADEncrypter(sendGCM, recvGCM)
//	s := secure.NewEncrypted(frame.New[codec.BE16](c), enc)
//	err = s.WriteMsg([]byte("hello"))
//	msg, err := s.ReadMsg()
//
// Encrypted reaches the stream below only through package frame's exported
// interfaces, so any message layer can stand in for the Framer, and a
// layer of a user's own can work as this one does.
package secure
