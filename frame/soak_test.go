package frame_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/errs"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/internal/testkit"
)

// soakConns is how many loopback connections the soak test runs, soakAtOnce
// of them at a time.
const soakConns, soakAtOnce = 2000, 200

// soakMsg returns message seq of a connection: its number, then bytes that
// say it, n bytes in all (at least 8).
func soakMsg(seq uint64, n int) []byte {
	m := make([]byte, n)
	binary.BigEndian.PutUint64(m, seq)
	for i := 8; i < n; i++ {
		m[i] = byte(seq*7 + uint64(i))
	}
	return m
}

// soakCheck reports whether m is a whole message seq.
func soakCheck(m []byte, seq uint64) bool {
	if len(m) < 8 || binary.BigEndian.Uint64(m) != seq {
		return false
	}
	for i := 8; i < len(m); i++ {
		if m[i] != byte(seq*7+uint64(i)) {
			return false
		}
	}
	return true
}

// soakSeen counts what the soak test ran into, to show that it exercised
// each case.
var soakSeen struct {
	queued, notSent, readCut, msgs atomic.Int64
}

// soakEnd is how a soak client ends its connection.
type soakEnd int

const (
	endHalfClose soakEnd = iota // CloseWrite, then read to the end
	endClose                    // Close
	endReset                    // a TCP reset
)

// A few thousand loopback connections, each cut by random write deadlines,
// context cancellations and read deadlines, and ended by a half-close, a
// Close or a reset: every message a receiver reports is whole and in order,
// none twice; a connection that ends without a reset delivers every message
// its sender counted as sent; every error is typed; no goroutine is left.
func TestSoakLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test")
	}
	before := runtime.NumGoroutine()
	sem := make(chan struct{}, soakAtOnce)
	var wg sync.WaitGroup
	for i := range soakConns {
		a, b := testkit.TCPPair(t)
		a.SetWriteBuffer(8 << 10) // small socket buffers: large writes block, and deadlines cut them
		b.SetReadBuffer(8 << 10)
		sem <- struct{}{}
		wg.Add(2)
		rng := rand.New(rand.NewSource(int64(i)))
		end := soakEnd(rng.Intn(3))
		sentc := make(chan uint64, 1)
		go func() {
			defer wg.Done()
			sentc <- soakSend(t, a, rng, end)
		}()
		go func(seed int64) {
			defer wg.Done()
			defer func() { <-sem }()
			soakReceive(t, b, rand.New(rand.NewSource(seed)), end, sentc)
		}(int64(i) + 1<<32)
	}
	wg.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left behind", n-before)
	}
	s := &soakSeen
	t.Logf("%d messages; writes cut short: %d queued, %d not sent; reads cut short: %d",
		s.msgs.Load(), s.queued.Load(), s.notSent.Load(), s.readCut.Load())
	if s.queued.Load() == 0 || s.notSent.Load() == 0 || s.readCut.Load() == 0 {
		t.Error("the soak test did not cut writes and reads short in every way")
	}
}

// soakSend writes messages with random interruptions, ends the connection
// as end says, and returns how many messages count as sent.
func soakSend(t *testing.T, c *net.TCPConn, rng *rand.Rand, end soakEnd) uint64 {
	f := frame.New[codec.Uvarint](c, frame.WithMaxSize(1<<20), frame.WithWriteBuffer(rng.Intn(2)*4096))
	var sent uint64
	for range 1 + rng.Intn(12) {
		n := 8 + rng.Intn(200)
		if rng.Intn(8) == 0 {
			n = 64<<10 + rng.Intn(256<<10)
		}
		msg := soakMsg(sent, n)
		for {
			var err error
			switch rng.Intn(3) {
			case 0:
				err = f.WriteMsg(msg)
			case 1:
				f.SetWriteDeadline(time.Now().Add(time.Duration(rng.Intn(500)) * time.Microsecond))
				err = f.WriteMsg(msg)
				f.SetWriteDeadline(time.Time{})
			default:
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rng.Intn(500))*time.Microsecond)
				err = frame.WriteContext(ctx, f, func() error { return f.WriteMsg(msg) })
				cancel()
			}
			if err == nil || errors.Is(err, frame.ErrWriteQueued) {
				if err != nil {
					soakSeen.queued.Add(1)
				}
				sent++
				break
			}
			soakSeen.notSent.Add(1)
			if !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("write: %v", err)
				f.Close()
				return sent
			}
		}
	}
	var err error
	switch end {
	case endHalfClose:
		if err = f.CloseWrite(); err == nil {
			_, err = f.ReadMsg() // the receiver closes after the last message
			if err == io.EOF {
				err = nil
			}
		}
		f.Close()
	case endClose:
		err = f.Close()
	case endReset:
		c.SetLinger(0)
		f.Close()
	}
	if err != nil {
		t.Errorf("end %d: %v", end, err)
	}
	return sent
}

// soakReceive reads with random read deadlines and contexts until the
// connection ends, checks every message, and, unless the sender reset the
// connection, that every message it counted as sent arrived.
func soakReceive(t *testing.T, c *net.TCPConn, rng *rand.Rand, end soakEnd, sentc <-chan uint64) {
	f := frame.New[codec.Uvarint](c, frame.WithMaxSize(1<<20), frame.WithReadBuffer(rng.Intn(2)*4096))
	defer f.Close()
	var next uint64
	for {
		if rng.Intn(10) == 0 {
			time.Sleep(time.Millisecond) // a slow reader: the sender blocks
		}
		var msg []byte
		var err error
		switch rng.Intn(3) {
		case 0:
			msg, err = f.ReadMsg()
		case 1:
			f.SetReadDeadline(time.Now().Add(time.Duration(rng.Intn(300)) * time.Microsecond))
			msg, err = f.ReadMsg()
			f.SetReadDeadline(time.Time{})
		default:
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rng.Intn(300))*time.Microsecond)
			msg, err = frame.ReadContext(ctx, f, f.ReadMsg)
			cancel()
		}
		switch {
		case err == nil:
			if !soakCheck(msg, next) {
				t.Errorf("message %d: not whole, out of order or repeated (%d bytes)", next, len(msg))
				return
			}
			next++
			soakSeen.msgs.Add(1)
			continue
		case errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
			soakSeen.readCut.Add(1)
			continue
		}
		var closed *errs.ConnectionClosedError
		var cut *errs.IncompleteReadError
		if err != io.EOF && !(end == endReset && (errors.As(err, &closed) || errors.As(err, &cut))) {
			t.Errorf("read after %d messages, end %d: %v", next, end, err)
		}
		f.Close() // a half-closed sender reads on until this end closes
		if sent := <-sentc; end != endReset && next != sent {
			t.Errorf("end %d: %d messages arrived, %d were sent", end, next, sent)
		}
		return
	}
}
