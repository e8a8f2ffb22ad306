package bench

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
)

// The many-connection benchmarks hold hundreds to thousands of loopback TCP
// connections in one process, one goroutine on each end, as a server of
// mostly idle streams does:
//
//	BenchmarkManyConnIdle    heap kept per idle connection's framing
//	BenchmarkManyConnEcho    16 B request and echo on every connection at once
//	BenchmarkManyConnStream  batched 16 B messages on every connection at once
//
// Each runs at 100 and 1,000 connections; -conns=10000 adds 10,000 (20,000
// descriptors; fewer if the descriptor limit cannot hold them, see
// manyLevels) and -short keeps 100 only. The framing on each end, BE32:
//
//	framekit  a Framer with default options (WithWriteBuffer(4096) on the
//	          streaming writer): ReadMsgView, WriteMsg, Flush
//	msgio     go-msgio's NewReader and NewWriter: ReadMsg, then ReleaseMsg
//	          before the next read; WriteMsg (it cannot batch)
//	hand      the hand loop on a bufio.Reader and a bufio.Writer of the
//	          default size (4096): the header and the body Peeked from the
//	          reader when they fit in it, written to the writer, Flush
var manyImpls = []string{"framekit", "msgio", "hand"}

// manyConns is the largest connection count the benchmarks run at.
var manyConns = flag.Int("conns", 1000, "largest connection count of the BenchmarkManyConn benchmarks: 100, 1000 or 10000")

// manyLevelsWanted are the connection counts, up to -conns.
var manyLevelsWanted = []int{100, 1000, 10000}

// fdMargin is how many descriptors the benchmarks leave free besides the
// connections and what the process already holds: the listener, and
// whatever the runtime opens meanwhile.
const fdMargin = 32

// manyLevels returns the connection counts to run at: those of
// manyLevelsWanted up to upTo, or up to 100 under -short. It raises the
// soft descriptor limit to the hard one, and clips a count whose two ends do
// not fit under it to the largest multiple of 100 that does, saying so in
// the log.
func manyLevels(b *testing.B, upTo int) []int {
	if testing.Short() {
		upTo = min(upTo, 100)
	}
	limit, err := raiseFDLimit()
	if err != nil {
		b.Fatal(err)
	}
	var levels []int
	for _, n := range manyLevelsWanted {
		if n > upTo {
			break
		}
		if limit > 0 {
			if room := (int(limit) - openFDs() - fdMargin) / 2; n > room {
				b.Logf("%d connections need %d descriptors; the limit of %d holds %d connections; running %d", n, 2*n, limit, room, room/100*100)
				n = room / 100 * 100
			}
		}
		if n > 0 && !slices.Contains(levels, n) {
			levels = append(levels, n)
		}
	}
	return levels
}

// connSet is n loopback TCP connections: clients[i] and servers[i] are the
// two ends of the i-th.
type connSet struct {
	clients, servers []net.Conn
}

// openConnSet opens n connections on 127.0.0.1 through one listener, which
// it closes before returning. The connections are closed when b ends, and
// fail their reads and writes after ten minutes, so that a lost message
// ends the benchmark instead of hanging it.
func openConnSet(b *testing.B, n int) *connSet {
	b.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	s := &connSet{clients: make([]net.Conn, 0, n), servers: make([]net.Conn, 0, n)}
	b.Cleanup(s.close)
	deadline := time.Now().Add(10 * time.Minute)
	for i := range n {
		c, err := net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
		if err != nil {
			b.Fatalf("connection %d of %d: %v", i, n, err)
		}
		s.clients = append(s.clients, c)
		// The dial returned once the handshake was done, so the next
		// connection the listener accepts is this one.
		d, err := ln.AcceptTCP()
		if err != nil {
			b.Fatalf("connection %d of %d: %v", i, n, err)
		}
		s.servers = append(s.servers, d)
		c.SetDeadline(deadline)
		d.SetDeadline(deadline)
	}
	return s
}

// close closes every connection, which also ends any goroutine blocked on
// one.
func (s *connSet) close() {
	for _, c := range s.clients {
		c.Close()
	}
	for _, c := range s.servers {
		c.Close()
	}
}

// serve runs fn on every server end, each in a goroutine of its own, and
// returns a function that waits for all of them and returns their first
// error. An error closes every connection of the set, so that no client
// waits for a server that has given up.
func (s *connSet) serve(fn func(i int, c net.Conn) error) (wait func() error) {
	var wg sync.WaitGroup
	errc := make(chan error, len(s.servers))
	var closeOnce sync.Once
	for i, c := range s.servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(i, c); err != nil {
				errc <- fmt.Errorf("server %d: %w", i, err)
				closeOnce.Do(s.close)
			}
		}()
	}
	return func() error {
		wg.Wait()
		close(errc)
		return <-errc
	}
}

// newManyEnd returns impl's (one of manyImpls) framing on c; batched gives
// framekit's writer a 4096-byte buffer, the size of the hand loop's.
func newManyEnd(impl string, c net.Conn, batched bool) msgEnd {
	switch impl {
	case "framekit":
		var opts []frame.Option
		if batched {
			opts = append(opts, frame.WithWriteBuffer(4096))
		}
		return framekitViewEnd{frame.New[codec.BE32](c, opts...)}
	case "msgio":
		return newEnd("msgio", "BE32", c, false)
	case "hand":
		return &bufioEnd{br: bufio.NewReader(c), bw: bufio.NewWriter(c)}
	}
	panic("unknown many-connection impl " + impl)
}

// framekitViewEnd reads with ReadMsgView, so that, unlike framekitEnd, it
// keeps no buffer of its own between messages.
type framekitViewEnd struct{ f *frame.Framer[codec.BE32] }

func (e framekitViewEnd) write(msg []byte) error { return e.f.WriteMsg(msg) }
func (e framekitViewEnd) flush() error           { return e.f.Flush() }
func (e framekitViewEnd) read() ([]byte, error)  { return e.f.ReadMsgView() }

// bufioEnd is the hand loop on a bufio.Reader and a bufio.Writer: BE32
// headers, a length check, and a message Peeked from the reader's buffer
// when it fits (valid until the next read, which discards it), or read into
// a new slice when it does not. Between messages it holds the two bufio
// buffers and nothing else.
type bufioEnd struct {
	br      *bufio.Reader
	bw      *bufio.Writer
	hdr     [4]byte
	pending int // bytes of the last message still in br, discarded by the next read
}

func (e *bufioEnd) write(msg []byte) error {
	if len(msg) > maxMsg {
		return errHandTooLarge
	}
	binary.BigEndian.PutUint32(e.hdr[:], uint32(len(msg)))
	if _, err := e.bw.Write(e.hdr[:]); err != nil {
		return err
	}
	_, err := e.bw.Write(msg)
	return err
}

func (e *bufioEnd) flush() error { return e.bw.Flush() }

func (e *bufioEnd) read() ([]byte, error) {
	if e.pending > 0 {
		if _, err := e.br.Discard(e.pending); err != nil {
			return nil, err
		}
		e.pending = 0
	}
	hdr, err := e.br.Peek(4)
	if err != nil {
		if err == io.EOF && len(hdr) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(hdr))
	if n > maxMsg {
		return nil, errHandTooLarge
	}
	e.br.Discard(4) // cannot fail: the 4 bytes are buffered
	if n <= e.br.Size() {
		msg, err := e.br.Peek(n)
		if err != nil {
			return nil, unexpectedEOF(err)
		}
		e.pending = n
		return msg, nil
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(e.br, msg); err != nil {
		return nil, unexpectedEOF(err)
	}
	return msg, nil
}

// unexpectedEOF turns io.EOF inside a frame into io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// manyIdleMsg is the size of the message each connection echoes before it
// goes idle in BenchmarkManyConnIdle.
const manyIdleMsg = 32 << 10

// BenchmarkManyConnIdle measures what framing costs an idle connection. Each
// op, on every connection of the set: a goroutine serves the server end, the
// client end sends one 32 KiB message and reads its echo, and then, with
// every server goroutine blocked reading the next message, the benchmark
// collects garbage twice (emptying the pools) and reads the heap. The
// baseline is the same with no framing: the server goroutine echoes the
// bytes with the connection's own Read and Write into a buffer it drops, and
// blocks in a one-byte Read. It reports, divided by the connection count:
//
//	B/conn        HeapAlloc over the baseline: the framing's objects and
//	              everything they keep (the connections and goroutines
//	              themselves cancel out)
//	stack-B/conn  StackInuse over the baseline: the deeper stack of a
//	              goroutine blocked inside the framing
func BenchmarkManyConnIdle(b *testing.B) {
	msg := bytes.Repeat([]byte{0xa5}, manyIdleMsg)
	frameBytes := binary.BigEndian.AppendUint32(nil, manyIdleMsg)
	frameBytes = append(frameBytes, msg...)
	for _, n := range manyLevels(b, *manyConns) {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			set := openConnSet(b, n)
			for _, impl := range manyImpls {
				b.Run("impl="+impl, func(b *testing.B) {
					var heap, stack float64
					for range b.N {
						h, s := idleCost(b, set, impl, frameBytes)
						heap += h
						stack += s
					}
					b.ReportMetric(heap/float64(b.N), "B/conn")
					b.ReportMetric(stack/float64(b.N), "stack-B/conn")
				})
			}
		})
	}
}

// idleCost runs one op of BenchmarkManyConnIdle and returns the heap and the
// stack per connection over the baseline. Between ops every connection is
// back at a frame boundary with no goroutine on it.
func idleCost(b *testing.B, set *connSet, impl string, frameBytes []byte) (heap, stack float64) {
	scratch := make([]byte, len(frameBytes))
	echo := func() {
		for i, c := range set.clients {
			if _, err := c.Write(frameBytes); err != nil {
				b.Fatalf("client %d: %v", i, err)
			}
			if _, err := io.ReadFull(c, scratch); err != nil || !bytes.Equal(scratch, frameBytes) {
				b.Fatalf("client %d: wrong echo, %v", i, err)
			}
		}
	}
	// stop writes stop to every client end, then reads back the echo of
	// length echoLen, and waits for the servers to return.
	stop := func(wait func() error, stop []byte, echoLen int) {
		for i, c := range set.clients {
			if _, err := c.Write(stop); err != nil {
				b.Fatalf("client %d: %v", i, err)
			}
			if _, err := io.ReadFull(c, scratch[:echoLen]); err != nil {
				b.Fatalf("client %d: %v", i, err)
			}
		}
		check(b, wait())
	}

	wait := set.serve(func(_ int, c net.Conn) error {
		buf := make([]byte, len(frameBytes))
		if _, err := io.ReadFull(c, buf); err != nil {
			return err
		}
		if _, err := c.Write(buf); err != nil {
			return err
		}
		var one [1]byte
		_, err := c.Read(one[:])
		return err
	})
	echo()
	baseHeap, baseStack := memAfterGC()
	stop(wait, []byte{0}, 0)

	wait = set.serve(func(_ int, c net.Conn) error {
		end := newManyEnd(impl, c, false)
		for {
			msg, err := end.read()
			if err != nil {
				return err
			}
			if err := end.write(msg); err != nil {
				return err
			}
			if err := end.flush(); err != nil {
				return err
			}
			if len(msg) == 0 {
				return nil
			}
		}
	})
	echo()
	idleHeap, idleStack := memAfterGC()
	stop(wait, []byte{0, 0, 0, 0}, 4)

	n := float64(len(set.clients))
	return float64(int64(idleHeap)-int64(baseHeap)) / n, float64(int64(idleStack)-int64(baseStack)) / n
}

// memAfterGC is heapAfterGC that also returns the stack in use.
func memAfterGC() (heap, stack uint64) {
	heapAfterGC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, ms.StackInuse
}

// manyMsgSize is the message size of the echo and streaming benchmarks.
const manyMsgSize = 16

// BenchmarkManyConnEcho runs an echo server: every connection's client sends
// a 16 B request, waits for its echo, and sends the next, all connections at
// once, until b.N round trips are done between them (each takes the next of
// b.N tickets, so all stay busy to the end). Before the clock starts, every
// connection makes one round trip, so that no first use of a buffer or a
// goroutine's stack is timed. An op is one round trip. It
// reports the aggregate round trips per second (rt/s) and the median and
// 99th percentile of the round trips' latencies (p50-us, p99-us), each timed
// from the request's write to the echo's arrival.
func BenchmarkManyConnEcho(b *testing.B) {
	for _, n := range manyLevels(b, *manyConns) {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			set := openConnSet(b, n)
			for _, impl := range manyImpls {
				b.Run("impl="+impl, func(b *testing.B) { manyEcho(b, set, impl) })
			}
		})
	}
}

func manyEcho(b *testing.B, set *connSet, impl string) {
	// Servers echo until an empty message, which they echo too: the client
	// then knows that the connection is back at a frame boundary.
	waitServers := set.serve(func(_ int, c net.Conn) error {
		end := newManyEnd(impl, c, false)
		for {
			msg, err := end.read()
			if err == nil {
				err = end.write(msg)
			}
			if err == nil {
				err = end.flush()
			}
			if err != nil || len(msg) == 0 {
				return err
			}
		}
	})

	latency := make([]time.Duration, b.N) // by ticket
	var tickets atomic.Int64
	tickets.Store(int64(b.N))
	start, done := make(chan struct{}), make(chan struct{})
	var ready, working, clients sync.WaitGroup
	errc := make(chan error, len(set.clients))
	request := make([]byte, manyMsgSize)
	roundTrip := func(end msgEnd, msg []byte) error {
		err := end.write(msg)
		if err == nil {
			err = end.flush()
		}
		if err != nil {
			return err
		}
		got, err := end.read()
		if err == nil && len(got) != len(msg) {
			err = fmt.Errorf("%w: %d bytes, want %d", errShortMsg, len(got), len(msg))
		}
		return err
	}
	for i, c := range set.clients {
		end := newManyEnd(impl, c, false)
		ready.Add(1)
		working.Add(1)
		clients.Add(1)
		go func() {
			defer clients.Done()
			err := roundTrip(end, request)
			ready.Done()
			<-start
			for err == nil {
				t := tickets.Add(-1)
				if t < 0 {
					break
				}
				sent := time.Now()
				if err = roundTrip(end, request); err != nil {
					break
				}
				latency[t] = time.Since(sent)
			}
			working.Done()
			<-done // the stop below is not timed
			if err == nil {
				err = roundTrip(end, nil)
			}
			if err != nil {
				errc <- fmt.Errorf("client %d: %w", i, err)
			}
		}()
	}

	ready.Wait()
	b.ReportAllocs()
	b.ResetTimer()
	began := time.Now()
	close(start)
	working.Wait()
	elapsed := time.Since(began)
	b.StopTimer()
	close(done)
	clients.Wait()
	select {
	case err := <-errc:
		set.close() // unblocks the servers of the failed clients
		b.Fatal(err)
	default:
	}
	check(b, waitServers())

	slices.Sort(latency)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "rt/s")
	b.ReportMetric(percentile(latency, 50).Seconds()*1e6, "p50-us")
	b.ReportMetric(percentile(latency, 99).Seconds()*1e6, "p99-us")
}

// percentile returns the p-th percentile of sorted, by the nearest rank.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 × n), 1-based
	return sorted[max(rank, 1)-1]
}

// BenchmarkManyConnStream streams batched 16 B messages on every connection
// at once, client to server: b.N messages in all, split evenly between the
// connections; the clock stops when every server has read its share. Before
// the clock starts, every connection carries one message, so that no first
// use of a buffer or a goroutine's stack is timed. An op is one message; it reports messages per second (msg/s). It runs at up to
// 1,000 connections, whatever -conns says.
func BenchmarkManyConnStream(b *testing.B) {
	for _, n := range manyLevels(b, min(*manyConns, 1000)) {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			set := openConnSet(b, n)
			for _, impl := range manyImpls {
				b.Run("impl="+impl, func(b *testing.B) { manyStream(b, set, impl) })
			}
		})
	}
}

func manyStream(b *testing.B, set *connSet, impl string) {
	n := len(set.clients)
	share := func(i int) int { // connection i's messages
		if i < b.N%n {
			return b.N/n + 1
		}
		return b.N / n
	}
	start := make(chan struct{})
	var ready sync.WaitGroup
	ready.Add(2 * n)
	waitServers := set.serve(func(i int, c net.Conn) error {
		end := newManyEnd(impl, c, false)
		_, err := end.read()
		ready.Done()
		if err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
		<-start
		for j := range share(i) {
			msg, err := end.read()
			if err == nil && len(msg) != manyMsgSize {
				err = fmt.Errorf("%w: %d bytes, want %d", errShortMsg, len(msg), manyMsgSize)
			}
			if err != nil {
				return fmt.Errorf("message %d: %w", j, err)
			}
		}
		return nil
	})
	var clients sync.WaitGroup
	errc := make(chan error, n)
	msg := make([]byte, manyMsgSize)
	for i, c := range set.clients {
		end := newManyEnd(impl, c, true)
		clients.Add(1)
		go func() {
			defer clients.Done()
			err := end.write(msg)
			if err == nil {
				err = end.flush()
			}
			ready.Done()
			<-start
			for range share(i) {
				if err != nil {
					break
				}
				err = end.write(msg)
			}
			if err == nil {
				err = end.flush()
			}
			if err != nil {
				errc <- fmt.Errorf("client %d: %w", i, err)
			}
		}()
	}

	ready.Wait()
	b.SetBytes(manyMsgSize)
	b.ReportAllocs()
	b.ResetTimer()
	began := time.Now()
	close(start)
	clients.Wait()
	select {
	case err := <-errc:
		set.close()
		b.Fatal(err)
	default:
	}
	err := waitServers()
	elapsed := time.Since(began)
	b.StopTimer()
	check(b, err)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msg/s")
}
