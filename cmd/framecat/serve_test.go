package main

import (
	"bytes"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// serverTimeout bounds how long serve waits for an address and interrupt
// for an exit.
const serverTimeout = 30 * time.Second

type serversKey struct{}

// servers are the background commands of one script, by variable name.
type servers struct {
	mu    sync.Mutex
	byVar map[string]*bgServer
}

// scriptServers returns the background commands of the script ts.
func scriptServers(ts *testscript.TestScript) *servers {
	return ts.Value(serversKey{}).(*servers)
}

// add records s as the command started as name.
func (all *servers) add(name string, s *bgServer) {
	all.mu.Lock()
	defer all.mu.Unlock()
	all.byVar[name] = s
}

// take forgets the command started as name and returns it, or nil if there
// is none.
func (all *servers) take(name string) *bgServer {
	all.mu.Lock()
	defer all.mu.Unlock()
	s := all.byVar[name]
	delete(all.byVar, name)
	return s
}

// bgServer is a background command started by serve.
type bgServer struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer // written by exec's copying goroutine until Wait returns
	stderr addrWatcher
	done   chan struct{} // closed when the command has exited
	err    error         // how it exited, once done is closed
}

// addrWatcher collects stderr and reports the address of the first
// "listening on ADDR" line.
type addrWatcher struct {
	syncBuffer
	addr chan string // receives the address once
	once sync.Once
}

// Write collects p and sends the address once its line is complete.
func (w *addrWatcher) Write(p []byte) (int, error) {
	w.syncBuffer.Write(p)
	for _, line := range strings.SplitAfter(w.String(), "\n") {
		if addr, ok := strings.CutPrefix(line, "listening on "); ok && strings.HasSuffix(addr, "\n") {
			w.once.Do(func() { w.addr <- strings.TrimSpace(addr) })
			break
		}
	}
	return len(p), nil
}

// cmdServe is the script command serve; TestScripts says what it does.
func cmdServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: serve VAR CMD [ARGS...]")
	}
	name := args[0]
	s := &bgServer{cmd: scriptCommand(ts, args[1:]), done: make(chan struct{})}
	s.stderr.addr = make(chan string, 1)
	s.cmd.Stdout = &s.stdout
	s.cmd.Stderr = &s.stderr
	ts.Check(s.cmd.Start())
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	ts.Defer(func() { // a script that failed before interrupt leaves nothing running
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	scriptServers(ts).add(name, s)

	select {
	case addr := <-s.stderr.addr:
		ts.Setenv(name, addr)
	case <-s.done:
		ts.Fatalf("%s exited before listening: %v\nstderr:\n%s", args[1], s.err, s.stderr.String())
	case <-time.After(serverTimeout):
		ts.Fatalf("%s did not report its address within %v\nstderr:\n%s", args[1], serverTimeout, s.stderr.String())
	}
}

// cmdInterrupt is the script command interrupt.
func cmdInterrupt(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: interrupt VAR")
	}
	s := scriptServers(ts).take(args[0])
	if s == nil {
		ts.Fatalf("no server started as %s", args[0])
	}
	ts.Check(s.cmd.Process.Signal(syscall.SIGINT))
	select {
	case <-s.done:
	case <-time.After(serverTimeout):
		ts.Fatalf("%s did not stop within %v of SIGINT", args[0], serverTimeout)
	}
	ts.Stdout().Write(s.stdout.Bytes())
	ts.Stderr().Write([]byte(s.stderr.String()))
	switch {
	case s.err != nil && !neg:
		ts.Fatalf("%s: %v", args[0], s.err)
	case s.err == nil && neg:
		ts.Fatalf("%s: unexpected success", args[0])
	}
}
