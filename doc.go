// Package framekit is a toolkit for length-delimited messages over byte
// streams: the framing under libp2p-style peers, RPC layers and custom TCP
// protocols. It is a Go rebuild of py-libp2p's libp2p.io package, and a
// drop-in for go-msgio's interfaces.
//
// The toolkit is in its subpackages; this package holds only documentation.
//
//   - codec: how a length becomes a header. Fixed-width big- and
//     little-endian codecs (BE8, BE16, BE32, BE64, LE16, LE32, LE64) and
//     Uvarint, the multiformats unsigned varint.
//   - frame: Framer[L], whole messages over any io.ReadWriteCloser with a
//     maximum size, read-ahead that idle connections give back, batched
//     writes, zero-copy reads and messages built in place; and the
//     interfaces every message layer implements.
//   - secure: the encrypted message layer, stacked on a Framer or any other
//     message layer, and an AEAD Encrypter with counter nonces.
//   - conn: what streams add to package io: a TCP stream adapter,
//     ReadExactly, and the interfaces a stream may implement to describe
//     itself.
//   - errs: the error taxonomy, for errors.Is and errors.As.
//   - frame/frametest: conformance checks for any message layer.
//
// A Framer over a TCP connection, with varint length prefixes:
//
//	c, err := net.Dial("tcp", addr)
//	if err != nil { ... }
//	f := frame.New[codec.Uvarint](c, frame.WithMaxSize(1<<20))
//	defer f.Close()
//	if err := f.WriteMsg([]byte("hello")); err != nil { ... }
//	reply, err := f.ReadMsg() // io.EOF when the peer closes cleanly
//
// Limits are checked before memory is set aside: a peer that declares a
// length above the maximum gets an *errs.MessageTooLargeError before any of
// its body is read.
package framekit
