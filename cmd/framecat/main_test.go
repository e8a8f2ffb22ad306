package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the expected output of failing cmp commands in the scripts")

// TestMain lets the test binary run as framecat when the scripts exec it.
func TestMain(m *testing.M) {
	// A race-enabled binary sleeps a second before it exits (GORACE
	// atexit_sleep_ms, default 1000), so that late reports get out. The
	// scripts run it a few hundred times: skip the sleep. A race is still
	// reported, and fails the script with status 66.
	os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	testscript.Main(m, map[string]func(){"framecat": func() {
		go exitWhenOrphaned()
		main()
	}})
}

// exitWhenOrphaned ends a framecat that a script started once the test binary
// that started it is gone (killed at its -timeout, say), so that a framecat
// stuck in a loop does not outlive the test run.
func exitWhenOrphaned() {
	parent := os.Getppid()
	for range time.Tick(200 * time.Millisecond) {
		if os.Getppid() != parent {
			fmt.Fprintln(os.Stderr, "framecat: the test binary that started it is gone")
			os.Exit(3)
		}
	}
}

// TestScripts runs testdata/script/*.txtar. Besides testscript's own
// commands they have:
//
//	unhex IN OUT      write the bytes spelled in hex in file IN to file OUT;
//	                  whitespace and #-comments in IN are ignored
//	exits N [-stdin FILE] CMD...
//	                  run CMD (with FILE as its stdin, else none) and fail
//	                  unless its exit status is N; its stdout and stderr are
//	                  then checked as usual
//	serve VAR CMD...  start CMD in the background, wait (at most 30s) for a
//	                  "listening on ADDR" line on its stderr, set $VAR to ADDR
//	interrupt VAR     send SIGINT to the command started by serve VAR, wait for it
//	                  to exit (at most 30s) and take its stdout and stderr as
//	                  the output to check; fails if it exits non-zero
func TestScripts(t *testing.T) {
	scripts, _ := filepath.Glob("testdata/script/*.txtar")
	if len(scripts) == 0 {
		t.Fatal("no scripts in testdata/script")
	}
	// Every script takes seconds; one that hangs (a dial waiting for a peer
	// that never closes, say) is killed well before go test's own timeout.
	deadline := time.Now().Add(scriptTimeout)
	if d, ok := t.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	testscript.Run(t, testscript.Params{
		Dir:      "testdata/script",
		Deadline: deadline,
		Setup: func(env *testscript.Env) error {
			env.Setenv("GORACE", os.Getenv("GORACE")) // scripts start from a bare environment
			env.Values[serversKey{}] = &servers{byVar: make(map[string]*bgServer)}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"unhex":     cmdUnhex,
			"exits":     cmdExits,
			"serve":     cmdServe,
			"interrupt": cmdInterrupt,
		},
		RequireExplicitExec: true,
		UpdateScripts:       *update,
	})
}

func cmdUnhex(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: unhex IN OUT")
	}
	var digits strings.Builder
	for _, line := range strings.Split(ts.ReadFile(args[0]), "\n") {
		line, _, _ = strings.Cut(line, "#")
		digits.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(digits.String())
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o666))
}

func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N [-stdin FILE] CMD [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	args = args[1:]
	var stdin string
	if args[0] == "-stdin" && len(args) >= 3 {
		stdin, args = ts.ReadFile(args[1]), args[2:]
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = ts.Stdout(), ts.Stderr()
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		ts.Fatalf("%v", err)
	}
	if got := cmd.ProcessState.ExitCode(); got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[0], got, want)
	}
}

type serversKey struct{}

// servers are the background commands of one script, by variable name.
type servers struct {
	mu    sync.Mutex
	byVar map[string]*bgServer
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
	mu   sync.Mutex
	buf  bytes.Buffer
	addr chan string // receives the address once
	sent bool
}

func (w *addrWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.sent {
		for _, line := range strings.SplitAfter(w.buf.String(), "\n") {
			if addr, ok := strings.CutPrefix(line, "listening on "); ok && strings.HasSuffix(addr, "\n") {
				w.addr <- strings.TrimSpace(addr)
				w.sent = true
				break
			}
		}
	}
	return len(p), nil
}

func (w *addrWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

const (
	scriptTimeout = 3 * time.Minute  // for all the scripts together
	serverTimeout = 30 * time.Second // for serve and interrupt
)

func cmdServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: serve VAR CMD [ARGS...]")
	}
	all := ts.Value(serversKey{}).(*servers)
	name := args[0]
	s := &bgServer{cmd: exec.Command(args[1], args[2:]...), done: make(chan struct{})}
	s.stderr.addr = make(chan string, 1)
	s.cmd.Dir = ts.MkAbs(".")
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
	all.mu.Lock()
	all.byVar[name] = s
	all.mu.Unlock()

	select {
	case addr := <-s.stderr.addr:
		ts.Setenv(name, addr)
	case <-s.done:
		ts.Fatalf("%s exited before listening: %v\nstderr:\n%s", args[1], s.err, s.stderr.String())
	case <-time.After(serverTimeout):
		ts.Fatalf("%s did not report its address within %v\nstderr:\n%s", args[1], serverTimeout, s.stderr.String())
	}
}

func cmdInterrupt(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: interrupt VAR")
	}
	all := ts.Value(serversKey{}).(*servers)
	all.mu.Lock()
	s := all.byVar[args[0]]
	delete(all.byVar, args[0])
	all.mu.Unlock()
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
