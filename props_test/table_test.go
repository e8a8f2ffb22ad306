// Package props_test is framekit's property suite: rapid properties over every
// length codec, a state machine that drives a writer and a reader Framer
// against a model, properties of the encrypted layer (encrypted_*_test.go),
// and the frametest harness run on Framers and on encrypted pairs
// (conformance_test.go). The properties are registered in the tables of this
// file. Run them long with
//
//	go test ./props_test -rapid.checks=100000
package props_test

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
)

// property is one line of a table: a property and the name it runs under.
type property struct {
	name  string
	check func(*rapid.T)
	alone bool // it measures allocation: it runs before the others, never beside them
}

// suite is a table of properties instantiated for one codec.
type suite struct {
	codec string
	props []property
}

// suiteOf names the table props, instantiated for L, after L.
func suiteOf[L codec.LengthCodec](props []property) suite {
	var c L
	return suite{codec: c.String(), props: props}
}

// codecProperties is the table of the properties of L and of Framers on L.
// TestCodecProperties runs it for every codec.
//
// To add a property, write a function checkName[L codec.LengthCodec](t
// *rapid.T) whose doc comment states the property, next to the properties it
// is closest to, and add the line {name: "Name", check: checkName[L]} here.
// It then runs as TestCodecProperties/Name/<codec> for all eleven codecs, in
// parallel with the others, for -rapid.checks cases each; add alone: true if
// it measures allocation. The other tables work the same way:
// encryptedProperties for the encrypted layer, uvarintProperties for what
// only the uvarint codec has.
func codecProperties[L codec.LengthCodec]() suite {
	return suiteOf[L]([]property{
		{name: "CodecLaws", check: checkCodecLaws[L]},
		{name: "RoundTrip", check: checkRoundTrip[L]},
		{name: "Messages", check: checkMessages[L]},
		{name: "NextMsgLen", check: checkNextMsgLen[L]},
		{name: "HandOff", check: checkHandOff[L]},
		{name: "Truncation", check: checkTruncation[L]},
		{name: "Limits", check: checkLimits[L]},
		{name: "Skip", check: checkSkip[L]},
		{name: "WriteLimit", check: checkWriteLimit[L]},
		{name: "WriteFailure", check: checkWriteFailure[L]},
		{name: "StreamErrors", check: checkStreamErrors[L]},
		{name: "Machine", check: checkMachine[L]},
		{name: "StreamedAgrees", check: checkStreamedAgrees[L]},
		{name: "StreamedTruncation", check: checkStreamedTruncation[L]},
		{name: "LimitsAllocateNothing", check: checkLimitsAllocateNothing[L], alone: true},
	})
}

func TestCodecProperties(t *testing.T) {
	checkSuites(t,
		codecProperties[codec.BE8](),
		codecProperties[codec.BE16](),
		codecProperties[codec.BE32](),
		codecProperties[codec.BE64](),
		codecProperties[codec.LE16](),
		codecProperties[codec.LE32](),
		codecProperties[codec.LE64](),
		codecProperties[codec.Uvarint](),
		codecProperties[codec.BE24](),
		codecProperties[codec.LE24](),
		codecProperties[codec.VBI](),
	)
}

// layoutProperties is the table of the properties of header layouts on L:
// each case draws a layout (fields before and after the length, what it
// counts, a mask, a trailer) and frames for it. TestLayoutProperties runs it
// for codecs of every kind: narrow, fixed of each byte order, 24-bit and
// variable-width. Add a property as in codecProperties.
func layoutProperties[L codec.LengthCodec]() suite {
	return suiteOf[L]([]property{
		{name: "RoundTrip", check: checkLayoutRoundTrip[L]},
		{name: "Truncation", check: checkLayoutTruncation[L]},
		{name: "Skip", check: checkLayoutSkip[L]},
	})
}

func TestLayoutProperties(t *testing.T) {
	checkSuites(t,
		layoutProperties[codec.BE8](),
		layoutProperties[codec.BE16](),
		layoutProperties[codec.BE24](),
		layoutProperties[codec.LE24](),
		layoutProperties[codec.BE32](),
		layoutProperties[codec.LE32](),
		layoutProperties[codec.Uvarint](),
		layoutProperties[codec.VBI](),
	)
}

// encryptedProperties is the table of the properties of the encrypted layer
// over Framers on L, with AES-GCM sessions of drawn keys and nonce sizes.
// TestEncryptedProperties runs it for a few codecs: BE8, whose 255-byte limit
// leaves 239 bytes of plaintext; BE16, Noise's framing; BE32; and Uvarint,
// whose headers change size with the length. Add a property as in
// codecProperties.
func encryptedProperties[L codec.LengthCodec]() suite {
	return suiteOf[L]([]property{
		{name: "RoundTrip", check: checkEncRoundTrip[L]},
		{name: "WriteLimit", check: checkEncWriteLimit[L]},
		{name: "ReadLimit", check: checkEncReadLimit[L]},
		{name: "FlipBits", check: checkEncFlipBits[L]},
		{name: "MoveFrames", check: checkEncMoveFrames[L]},
		{name: "Truncation", check: checkEncTruncation[L]},
	})
}

func TestEncryptedProperties(t *testing.T) {
	checkSuites(t,
		encryptedProperties[codec.BE8](),
		encryptedProperties[codec.BE16](),
		encryptedProperties[codec.BE32](),
		encryptedProperties[codec.Uvarint](),
	)
}

// uvarintProperties is the table of the properties only the uvarint codec
// has. Add a property as in codecProperties.
func uvarintProperties() suite {
	return suiteOf[codec.Uvarint]([]property{
		{name: "Malformed", check: checkMalformedUvarint},
	})
}

func TestUvarintProperties(t *testing.T) {
	checkSuites(t, uvarintProperties())
}

// checkSuites checks every property of suites, one table instantiated for
// several codecs, each in a subtest property/codec. The properties that run
// alone come first, one codec after another, while t is not yet parallel, so
// that no other test allocates beside them; then t and all the other
// properties run in parallel.
func checkSuites(t *testing.T, suites ...suite) {
	run := func(alone bool) {
		parallel := func(t *testing.T) {
			if !alone {
				t.Parallel()
			}
		}
		for i, p := range suites[0].props {
			if p.alone != alone {
				continue
			}
			t.Run(p.name, func(t *testing.T) {
				parallel(t)
				for _, s := range suites {
					t.Run(s.codec, func(t *testing.T) {
						parallel(t)
						rapid.Check(t, s.props[i].check)
					})
				}
			})
		}
	}
	run(true)
	t.Parallel()
	run(false)
}
