package frametest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"testing"

	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
)

// unlimited is the largest message sent when the limit is unknown.
const unlimited = 64<<10 + 1

// boundarySizes are the message sizes RoundTrip sends below the limit: small
// ones and both sides of every header boundary (one-byte fixed width, one- to
// three-byte varint, two-byte fixed width).
var boundarySizes = []int{
	0, 1, 2, 3, 7, 126, 127, 128, 129, 254, 255, 256, 257, 1000,
	16383, 16384, 16385, 65534, 65535, 65536, 65537, 1<<21 - 1, 1 << 21,
}

// roundTripSizes returns the message sizes RoundTrip sends, in increasing
// order: the boundary sizes below the limit, then the limit itself.
func roundTripSizes(limit int) []int {
	var sizes []int
	for _, n := range boundarySizes {
		if n < limit {
			sizes = append(sizes, n)
		}
	}
	return append(sizes, limit)
}

// send writes msgs to w and flushes it on its own goroutine; the returned
// channel yields the first error, or nil, once it is done. A failed write
// stops the pair, so that the reader waiting for the message returns.
func (p *pair) send(w frame.MsgWriter, msgs [][]byte) <-chan error {
	done := make(chan error, 1)
	go func() {
		for i, m := range msgs {
			if err := w.WriteMsg(m); err != nil {
				p.stop()
				done <- fmt.Errorf("WriteMsg of message %d (%d bytes): %v", i, len(m), err)
				return
			}
		}
		err := flush(w)
		if err != nil {
			p.stop()
		}
		done <- err
	}()
	return done
}

// receive reads len(want) messages from r and checks each, and then checks
// all of them again: slices from ReadMsg belong to the caller, so later reads
// must not have touched them.
func receive(t *testing.T, r frame.MsgReader, want [][]byte) {
	t.Helper()
	got := make([][]byte, 0, len(want))
	for i, w := range want {
		m, err := r.ReadMsg()
		if err != nil {
			t.Errorf("ReadMsg of message %d (%d bytes): %v", i, len(w), err)
			return
		}
		if !bytes.Equal(m, w) {
			t.Errorf("message %d: got %d bytes, want %d bytes%s", i, len(m), len(w), firstDiff(m, w))
			return
		}
		got = append(got, m)
	}
	for i, m := range got {
		if !bytes.Equal(m, want[i]) {
			t.Errorf("message %d changed after later reads: ReadMsg must return a slice the caller owns%s", i, firstDiff(m, want[i]))
		}
	}
}

func testRoundTrip(t *testing.T, p *pair, limit int) {
	sizes := roundTripSizes(limit)
	for _, dir := range []struct {
		name string
		w, r frame.MsgReadWriteCloser
	}{{"a to b", p.a, p.b}, {"b to a", p.b, p.a}} {
		// Each direction sends its own contents, so that a layer that
		// hands an end back its own messages is caught.
		msgs := make([][]byte, len(sizes))
		for i, n := range sizes {
			msgs[i] = message(dir.name, i, n)
		}
		done := p.send(dir.w, msgs)
		receive(t, dir.r, msgs)
		stopIfFailed(t, p)
		if err := <-done; err != nil {
			t.Errorf("%s: %v", dir.name, err)
		}
		if t.Failed() {
			return
		}
	}
}

func testLimit(t *testing.T, p *pair, maxSize int) {
	small, largest := message("limit", 1, min(maxSize, 10)), message("limit", 2, maxSize)
	done := make(chan error, 1)
	go func() {
		if err := writeOversized(p.a, maxSize); err != nil {
			p.stop()
			done <- err
			return
		}
		done <- <-p.send(p.a, [][]byte{small, largest})
	}()
	// The oversized message must have written nothing: the next message
	// read is the small one, whole.
	receive(t, p.b, [][]byte{small, largest})
	stopIfFailed(t, p)
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// writeOversized writes a message one byte over maxSize to w and checks
// that it failed with the right error: one that matches
// errs.ErrMessageTooLarge, as callers test, and carries the size and limit.
func writeOversized(w frame.MsgWriter, maxSize int) error {
	size := maxSize + 1
	err := w.WriteMsg(make([]byte, size))
	if !errors.Is(err, errs.ErrMessageTooLarge) {
		return fmt.Errorf("WriteMsg of %d bytes: got error %v, want one matching errs.ErrMessageTooLarge", size, err)
	}
	var tooLarge *errs.MessageTooLargeError
	if !errors.As(err, &tooLarge) {
		return fmt.Errorf("WriteMsg of %d bytes: error %v has no *errs.MessageTooLargeError in its chain", size, err)
	}
	if tooLarge.Size != uint64(size) || tooLarge.Max != uint64(maxSize) {
		return fmt.Errorf("WriteMsg of %d bytes: got MessageTooLargeError{Size: %d, Max: %d}, want {Size: %d, Max: %d}",
			size, tooLarge.Size, tooLarge.Max, size, maxSize)
	}
	return nil
}

// Concurrent writers and the messages each writes.
const (
	writers      = 8
	perWriter    = 64
	stampSize    = 5   // writer index and sequence number at the front of each message
	maxStamped   = 700 // longest message after the stamp
	minConcLimit = stampSize
)

// stamped returns message seq of writer w: its stamp, then up to maxStamped
// bytes that depend on both, no more than limit bytes in all.
func stamped(w, seq, limit int) []byte {
	n := min(stampSize+rand.New(rand.NewPCG(uint64(w), uint64(seq))).IntN(maxStamped), limit)
	m := message("writer "+strconv.Itoa(w), seq, n)
	m[0] = byte(w)
	binary.BigEndian.PutUint32(m[1:], uint32(seq))
	return m
}

func testConcurrent(t *testing.T, p *pair, limit int) {
	if limit < minConcLimit {
		t.Skipf("frametest: limit %d leaves no room for the %d-byte stamp", limit, stampSize)
	}
	errc := make(chan error, writers)
	for w := range writers {
		msgs := make([][]byte, perWriter)
		for seq := range msgs {
			msgs[seq] = stamped(w, seq, limit)
		}
		go func() { errc <- <-p.send(p.a, msgs) }()
	}
	next := make(map[int]int, writers) // next sequence number expected from each writer
	for w := range writers {
		next[w] = 0
	}
	total := writers * perWriter
	for i := range total {
		m, err := p.b.ReadMsg()
		if err != nil {
			t.Errorf("ReadMsg after %d of %d messages: %v", i, total, err)
			break
		}
		if len(m) < stampSize {
			t.Errorf("message %d: %d bytes, too short for a stamp: frames were cut or interleaved", i, len(m))
			break
		}
		w, seq := int(m[0]), int(binary.BigEndian.Uint32(m[1:]))
		want, known := next[w]
		if !known {
			t.Errorf("message %d: stamped by writer %d, which does not exist: frames were cut or interleaved", i, w)
			break
		}
		if seq != want {
			t.Errorf("message %d: writer %d's message %d arrived, want its message %d: lost, repeated or reordered", i, w, seq, want)
			break
		}
		if want := stamped(w, seq, limit); !bytes.Equal(m, want) {
			t.Errorf("writer %d's message %d: %d bytes, want %d%s", w, seq, len(m), len(want), firstDiff(m, want))
			break
		}
		next[w]++
	}
	stopIfFailed(t, p)
	for range writers {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}

func testClose(t *testing.T, p *pair, limit int) {
	msgs := make([][]byte, 3)
	for i, n := range []int{3, 0, 200} {
		msgs[i] = message("close", i, min(n, limit))
	}
	done := make(chan error, 1)
	go func() {
		if err := <-p.send(p.a, msgs); err != nil {
			done <- err
			return
		}
		if err := p.a.Close(); err != nil {
			p.stop()
			done <- fmt.Errorf("Close: %v", err)
			return
		}
		err := p.a.WriteMsg(msgs[0]) // within any limit
		if !errors.Is(err, errs.ErrConnectionClosed) && !errors.Is(err, net.ErrClosed) {
			done <- fmt.Errorf("WriteMsg after Close: got %v, want an error matching errs.ErrConnectionClosed or net.ErrClosed", err)
			return
		}
		done <- nil
	}()
	receive(t, p.b, msgs)
	if !t.Failed() {
		if m, err := p.b.ReadMsg(); err != io.EOF {
			t.Errorf("ReadMsg after the peer closed: got (%d bytes, %v), want io.EOF itself", len(m), err)
		}
	}
	stopIfFailed(t, p)
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// stopIfFailed stops the pair once the reader has given up, so that writers
// blocked on a synchronous stream return instead of waiting for the
// watchdog.
func stopIfFailed(t *testing.T, p *pair) {
	if t.Failed() {
		p.stop()
	}
}

// firstDiff describes where a and b first differ, for failure messages.
func firstDiff(a, b []byte) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("; first difference at byte %d: %#02x, want %#02x", i, a[i], b[i])
		}
	}
	return ""
}
