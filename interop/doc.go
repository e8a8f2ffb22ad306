// Package interop checks framekit's uvarint framing against js-libp2p's, the
// npm packages it-length-prefixed and it-length-prefixed-stream, by driving a
// Node program (node/peer.js) from Go tests: the same messages must become
// the same bytes on both sides, each side must read what the other wrote,
// over files and over TCP, and each side's limits must end the exchange
// cleanly on the other.
//
// It is a module of its own, like bench, so that the core's tests need no
// Node. The tests need Node 20 or later on PATH and the packages installed:
//
//	cd interop/node && npm ci
//	cd .. && go test -race ./...
//
// (interop/run.sh does both). Without them the tests fail and say so.
//
// Where the two sides read the same bytes differently (a non-minimal varint,
// a header with no body at the end of the stream) the tests record what each
// side does, so that a change on either side is noticed: framekit rejects
// such streams with a typed error, the js packages accept some of them.
package interop
