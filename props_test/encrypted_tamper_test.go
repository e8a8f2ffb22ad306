package props_test

import (
	"fmt"
	"io"
	"slices"

	"pgregory.net/rapid"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
)

// refFrame parses the frame at pos of data as a Framer on L with the given
// limit must: its body, or io.EOF, or the exact error of the framing.
func refFrame[L codec.LengthCodec](data []byte, pos, limit int) ([]byte, error) {
	var c L
	if pos == len(data) {
		return nil, io.EOF
	}
	n, size, err := c.DecodeLength(data[pos:])
	switch {
	case err == codec.ErrShortHeader:
		return nil, &errs.IncompleteReadError{Expected: size, Received: len(data) - pos, Part: errs.ErrMissingLength}
	case err != nil:
		return nil, err
	}
	start := pos + size
	switch {
	case n > uint64(limit):
		return nil, &errs.MessageTooLargeError{Size: n, Max: uint64(limit)}
	case n > uint64(len(data)-start):
		return nil, &errs.IncompleteReadError{Expected: int(n), Received: len(data) - start, Part: errs.ErrMissingMessage}
	}
	return data[start : start+int(n)], nil
}

// frameAt returns the index of the frame of sp that holds byte at.
func frameAt(sp []span, at int) int {
	k, _ := slices.BinarySearchFunc(sp, at, func(s span, at int) int {
		switch {
		case s.end() <= at:
			return -1
		case s.start > at:
			return 1
		}
		return 0
	})
	return k
}

// everyByte is how long a ciphertext stream may be for the tampering and
// truncation properties to try every byte of it: less under the race
// detector, where each try costs more.
func everyByte() int {
	if raceEnabled {
		return 300
	}
	return 1200
}

// flipPositions returns the bytes of a stream of n bytes holding frames sp
// to flip: every byte of a stream of at most everyByte bytes; for a longer
// one every header byte, the first and last bytes of every body, and a few
// drawn ones.
func flipPositions(t *rapid.T, n int, sp []span, everyByte int) []int {
	if n <= everyByte {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return all
	}
	var at []int
	for _, s := range sp {
		for i := s.start; i < s.start+s.header+2 && i < s.end(); i++ {
			at = append(at, i)
		}
		for i := max(s.start+s.header+2, s.end()-2); i < s.end(); i++ {
			at = append(at, i)
		}
	}
	return append(at, rapid.SliceOfN(rapid.IntRange(0, n-1), 16, 16).Draw(t, "flips")...)
}

// checkEncFlipBits: flipping a bit of any byte of the ciphertext stream
// makes the read of the frame holding it fail, after the frames before it
// were read whole, and no altered plaintext is ever returned. A bit of a body
// (ciphertext or tag) gives a decryption failure naming that message. A bit
// of a header changes the declared length: the Framer's exact error when the
// new header is malformed, over the limit or runs past the end of the stream,
// and otherwise a decryption failure of a ciphertext of the new length. Every
// later read fails the same way, and after a decryption failure it reads
// nothing more from the stream.
func checkEncFlipBits[L codec.LengthCodec](t *rapid.T) {
	cfg := drawEncConfig[L](t, 1, 4, 700)
	data, sealed := sealAll[L](t, cfg)
	sp := spans[L](sealed)
	base := drawStream(t, data)
	plan := drawReadPlan(t, len(cfg.msgs))
	bitSeed := rapid.IntRange(0, 7).Draw(t, "bit")
	for _, at := range flipPositions(t, len(data), sp, everyByte()) {
		bit := (bitSeed + 3*at) % 8
		tampered := slices.Clone(data)
		tampered[at] ^= 1 << bit
		k := frameAt(sp, at)
		what := "stream of " + itoa(len(data)) + " bytes, bit " + itoa(bit) + " of byte " + itoa(at) + " (frame " + itoa(k) + ")"
		s := base.replay(tampered, -1)
		r := cfg.reader(t, s)
		got, err := drain(t, r, plan)
		wantMsgs(t, what, got, cfg.msgs[:k])
		if at < sp[k].start+sp[k].header {
			body, ferr := refFrame[L](tampered, sp[k].start, limitFor[L](cfg.limit))
			switch {
			case ferr == io.EOF:
				t.Fatalf("%s: a flipped header cannot end the stream", what)
			case ferr != nil:
				wantFramingError(t, what, err, ferr)
			default:
				wantDecryptionFailed(t, what, err, k, len(body))
			}
		} else {
			wantDecryptionFailed(t, what, err, k, sp[k].body)
		}
		wantStuck(t, what, r, s, err)
	}
}

// checkEncMoveFrames: whole frames replayed, reordered, dropped, rearranged
// any way, or opened with a key one bit off, are read whole up to the first
// frame out of place, which fails to decrypt as the message that should have
// been there; later reads fail the same way without reading more. A
// rearrangement that is a prefix of the stream, dropping only frames at the
// end, reads as that prefix and then io.EOF: the layer cannot tell it from a
// close.
func checkEncMoveFrames[L codec.LengthCodec](t *rapid.T) {
	cfg := drawEncConfig[L](t, 2, 6, 2048)
	data, sealed := sealAll[L](t, cfg)
	sp := spans[L](sealed)
	n := len(sealed)
	seq := make([]int, n) // seq[i] is the frame sent i-th
	for i := range seq {
		seq[i] = i
	}
	enc := cfg.sess.reader(t)
	op := rapid.SampledFrom([]string{"replay", "reorder", "drop", "any", "wrongKey"}).Draw(t, "op")
	switch op {
	case "replay":
		j := rapid.IntRange(0, n-1).Draw(t, "replayed")
		at := rapid.IntRange(j+1, n).Draw(t, "replayAt")
		seq = slices.Insert(seq, at, j)
	case "reorder":
		i := rapid.IntRange(0, n-2).Draw(t, "swapFirst")
		j := rapid.IntRange(i+1, n-1).Draw(t, "swapSecond")
		seq[i], seq[j] = seq[j], seq[i]
	case "drop":
		i := rapid.IntRange(0, n-2).Draw(t, "dropped")
		seq = slices.Delete(seq, i, i+1)
	case "any":
		seq = rapid.SliceOfN(rapid.IntRange(0, n-1), 0, n+2).Draw(t, "seq")
	default:
		key := slices.Clone(cfg.sess.key)
		key[rapid.IntRange(0, len(key)-1).Draw(t, "keyByte")] ^= 1 << rapid.IntRange(0, 7).Draw(t, "keyBit")
		enc = cfg.sess.encrypter(t, cfg.sess.back, key)
	}
	var wire []byte
	for _, i := range seq {
		wire = append(wire, data[sp[i].start:sp[i].end()]...)
	}
	p := 0 // the first frame out of place
	for p < len(seq) && seq[p] == p && op != "wrongKey" {
		p++
	}
	what := op + " " + itoa(n) + " frames as " + fmt.Sprint(seq)
	s := drawStream(t, wire)
	r := cfg.readerWith(t, s, enc)
	got, err := drain(t, r, drawReadPlan(t, len(seq)))
	wantMsgs(t, what, got, cfg.msgs[:min(p, len(seq))])
	if p == len(seq) {
		wantEOF(t, what, err)
		return
	}
	wantDecryptionFailed(t, what, err, p, len(sealed[seq[p]]))
	wantStuck(t, what, r, s, err)
}

// checkEncTruncation: the ciphertext stream cut at any byte reads the
// messages whose frames end before the cut, whole, then io.EOF if the cut
// falls between frames, and otherwise the Framer's exact
// IncompleteReadError, passed through unchanged; never a decryption failure
// and never part of a message. The error sticks.
func checkEncTruncation[L codec.LengthCodec](t *rapid.T) {
	cfg := drawEncConfig[L](t, 0, 5, 70<<10)
	data, sealed := sealAll[L](t, cfg)
	sp := spans[L](sealed)
	base := drawStream(t, data)
	plan := drawReadPlan(t, len(cfg.msgs))
	for _, cut := range cutPoints(t, len(data), sp, everyByte()) {
		s := base.replay(data, cut)
		r := cfg.reader(t, s)
		got, err := drain(t, r, plan)
		whole := 0
		for whole < len(sp) && sp[whole].end() <= cut {
			whole++
		}
		what := "stream of " + itoa(len(data)) + " bytes cut at " + itoa(cut)
		wantMsgs(t, what, got, cfg.msgs[:whole])
		if want := expect[L](sealed, sp, whole, cut); want.eof {
			wantEOF(t, what, err)
		} else {
			wantIncomplete(t, what, err, want.expected, want.received, want.part)
		}
		wantStuck(t, what, r, s, err)
	}
}
