package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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

// cmdUnhex is the script command unhex.
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

// cmdExits is the script command exits.
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
	cmd := scriptCommand(ts, args)
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

// scriptCommand returns the command args[0] with arguments args[1:], to run
// in the script's working directory.
func scriptCommand(ts *testscript.TestScript, args []string) *exec.Cmd {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = ts.MkAbs(".")
	return cmd
}

// scriptTimeout bounds the run of all the scripts together.
const scriptTimeout = 3 * time.Minute
