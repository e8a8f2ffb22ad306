// Package testkit holds the helpers that the tests of more than one package
// need: loopback TCP pairs, an allocation counter, the AEAD keys and nonces of
// the encrypted layer's tests, and length headers as the codecs'
// specifications spell them. It imports nothing from framekit, so that every
// package's tests, internal or external, and the bench module can use it.
//
// It is for tests only: the helpers fail the test they are given, and panic on
// a programmer error, such as an unknown codec name.
package testkit
