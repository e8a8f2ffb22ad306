package bench

import (
	"encoding/binary"
	"io"
	"net"
	"runtime"
	"testing"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// idleConns is how many connections BenchmarkIdleMemory holds at once.
const idleConns = 2000

// idleMsg is the size of the message each of them reads before going idle.
const idleMsg = 32 << 10

// BenchmarkIdleMemory measures the heap a reader keeps after a burst: each op
// opens idleConns in-memory connections (net.Pipe), reads one 32 KiB BE32
// message on each with a fresh reader, drops the message, and, with every
// reader still referenced and no writer left waiting, collects garbage and
// reads the heap. It reports B/reader: the growth over the same connections
// after a frame went through each without a reader, divided by idleConns.
// Readers:
//
//	framekit    Framer[BE32] with default options, ReadMsg
//	msgio       go-msgio's NewReader, ReadMsg then ReleaseMsg
//	hand        the hand loop: a 64 KiB bufio.Reader and a reused body buffer
//
// Pools (sync.Pool, go-msgio's pool) are emptied by the two collections, so
// what remains is what the readers themselves hold.
func BenchmarkIdleMemory(b *testing.B) {
	for _, impl := range []string{"framekit", "msgio", "hand"} {
		b.Run("impl="+impl, func(b *testing.B) {
			var perReader float64
			for range b.N {
				perReader += idleHeap(b, impl)
			}
			b.ReportMetric(perReader/float64(b.N), "B/reader")
		})
	}
}

func idleHeap(b *testing.B, impl string) float64 {
	frameBytes := binary.BigEndian.AppendUint32(nil, idleMsg)
	frameBytes = append(frameBytes, make([]byte, idleMsg)...)
	ours, theirs := make([]net.Conn, idleConns), make([]net.Conn, idleConns)
	for i := range ours {
		ours[i], theirs[i] = net.Pipe()
		defer ours[i].Close()
		defer theirs[i].Close()
	}
	// send writes one frame on every pipe; net.Pipe has no buffer, so each
	// writer waits for its reader, and returns when all writers are done.
	send := func(read func(i int, c net.Conn)) {
		errc := make(chan error, idleConns)
		for _, c := range theirs {
			go func() {
				_, err := c.Write(frameBytes)
				errc <- err
			}()
		}
		for i, c := range ours {
			read(i, c)
		}
		for range theirs {
			check(b, <-errc)
		}
	}

	// The baseline: the same pipes after a frame went through each, read
	// into one shared buffer, with no writer left waiting.
	scratch := make([]byte, len(frameBytes))
	send(func(_ int, c net.Conn) {
		_, err := io.ReadFull(c, scratch)
		check(b, err)
	})
	before := heapAfterGC()

	readers := make([]any, idleConns)
	send(func(i int, c net.Conn) {
		var msg []byte
		var err error
		switch impl {
		case "framekit":
			f := frame.New[codec.BE32](c)
			msg, err = f.ReadMsg()
			readers[i] = f
		case "msgio":
			r := newMsgioReader("BE32", c)
			msg, err = r.ReadMsg()
			readers[i] = r
			defer r.ReleaseMsg(msg)
		case "hand":
			h := newHandReader("BE32", c, true)
			msg, err = h.readMsg()
			readers[i] = h
		}
		if err != nil || len(msg) != idleMsg {
			b.Fatalf("reader %d: %d bytes, %v", i, len(msg), err)
		}
	})
	after := heapAfterGC()
	runtime.KeepAlive(readers)
	return float64(int64(after)-int64(before)) / idleConns
}

// heapAfterGC returns the live heap after two collections, the second of
// which empties what the first moved to sync.Pool's victim cache.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
