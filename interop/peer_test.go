package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nodeTimeout bounds every wait on the Node peer: a peer that neither
// answers nor exits within it has hung, and the test fails saying so.
const nodeTimeout = 2 * time.Minute

// nodeDir is the Node program's folder, absolute once TestMain has run.
var nodeDir = "node"

func TestMain(m *testing.M) {
	if err := checkNode(); err != nil {
		fmt.Fprintf(os.Stderr, "interop: %v\n", err)
		fmt.Fprintln(os.Stderr, "interop: these tests need Node 20 or later on PATH and its packages: run `npm ci` in interop/node (or interop/run.sh)")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// checkNode reports why the Node peer cannot run: node missing or too old,
// node_modules missing, or a package installed at another version than the
// one package.json pins.
func checkNode() error {
	abs, err := filepath.Abs(nodeDir)
	if err != nil {
		return err
	}
	nodeDir = abs
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("node is not on PATH: %w", err)
	}
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return fmt.Errorf("node --version: %w", err)
	}
	version := strings.TrimSpace(string(out))
	major, _, _ := strings.Cut(strings.TrimPrefix(version, "v"), ".")
	if n, err := strconv.Atoi(major); err != nil || n < 20 {
		return fmt.Errorf("node %s is too old, the peer needs 20 or later", version)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := readJSON(filepath.Join(nodeDir, "package.json"), &pkg); err != nil {
		return err
	}
	for name, want := range pkg.Dependencies {
		var installed struct {
			Version string `json:"version"`
		}
		path := filepath.Join(nodeDir, "node_modules", name, "package.json")
		if err := readJSON(path, &installed); err != nil {
			return fmt.Errorf("package %s is not installed (%w)", name, err)
		}
		if installed.Version != want {
			return fmt.Errorf("package %s is installed at %s, package.json pins %s", name, installed.Version, want)
		}
	}
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// tester is what the helpers need of a *testing.T or a *rapid.T.
type tester interface {
	Helper()
	Fatalf(format string, args ...any)
}

// jsError is an error the Node peer caught: the class name and its code
// (it-length-prefixed's codes, such as ERR_MSG_DATA_TOO_LONG).
type jsError struct {
	Name    string `json:"name"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *jsError) String() string {
	if e == nil {
		return "no error"
	}
	return e.Name + " " + e.Code + ": " + e.Message
}

// command is one encode or decode run of the Node peer (see node/peer.js).
type command struct {
	Mode  string `json:"mode"`            // "encode" or "decode"
	Lib   string `json:"lib"`             // "lp", "stream" or (encode only) "streamv"
	In    string `json:"in"`              // messages file to encode, or framed file to decode
	Out   string `json:"out"`             // framed file written, or messages file written
	Max   int    `json:"max,omitempty"`   // maxDataLength; 0 for the library's default
	Chunk int    `json:"chunk,omitempty"` // decode: feed the file in chunks of this size; 0 for one chunk
}

// result is the Node peer's answer to a command.
type result struct {
	Count int      `json:"count"` // messages encoded, or decoded before the error
	Error *jsError `json:"error"` // what the library threw, if anything
	Where string   `json:"where"` // lib "stream" decode: where the last read stopped
	Fatal *jsError `json:"fatal"` // the peer could not run the command at all
}

// batchPeer is a Node process that runs commands one at a time, so that a
// property test pays for Node's start once.
type batchPeer struct {
	stdin io.WriteCloser
	lines chan string
}

// startBatch starts a batch peer that lives until tb's test ends.
func startBatch(tb testing.TB) *batchPeer {
	tb.Helper()
	stdin, lines := startNode(tb, "batch")
	return &batchPeer{stdin: stdin, lines: lines}
}

// do runs c and returns the peer's answer.
func (p *batchPeer) do(t tester, c command) result {
	t.Helper()
	line, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if _, err := p.stdin.Write(append(line, '\n')); err != nil {
		t.Fatalf("sending %s to the node peer: %v", line, err)
	}
	var r result
	select {
	case out, ok := <-p.lines:
		if !ok {
			t.Fatalf("the node peer exited during %s", line)
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("node peer answered %q: %v", out, err)
		}
	case <-time.After(nodeTimeout):
		t.Fatalf("the node peer hung: no answer to %s within %v", line, nodeTimeout)
	}
	if r.Fatal != nil {
		t.Fatalf("the node peer could not run %s: %v", line, r.Fatal)
	}
	return r
}

// startNode starts `node peer.js args...` and returns its stdin and its
// stdout lines, the channel closed when stdout ends. The process is killed,
// if still running, when tb's test ends; its stderr goes to the test log.
func startNode(tb testing.TB, args ...string) (io.WriteCloser, chan string) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "node", append([]string{"peer.js"}, args...)...)
	cmd.Dir = nodeDir
	cmd.WaitDelay = 5 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting node peer.js %s: %v", strings.Join(args, " "), err)
	}
	lines := make(chan string, 64)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	tb.Cleanup(func() {
		stdin.Close() // every mode that reads stdin ends with it
		exited := make(chan struct{})
		go func() {
			for range lines { // unread lines must not block the reader
			}
			close(exited)
		}()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			tb.Errorf("node peer.js %s did not exit within 10s of its stdin closing; killing it", strings.Join(args, " "))
		}
		cancel() // kills the process if it is still running
		<-readDone
		cmd.Wait()
		if s := stderr.String(); s != "" {
			tb.Logf("node peer.js %s stderr:\n%s", strings.Join(args, " "), s)
		}
	})
	return stdin, lines
}

// serverEvent is a line of the Node echo server's output.
type serverEvent struct {
	Event string   `json:"event"` // "listening", "end" (a clean end between messages) or "error"
	Port  int      `json:"port"`  // listening
	Conn  int      `json:"conn"`  // end, error: the connection, from 1
	Count int      `json:"count"` // end, error: messages read on it
	Where string   `json:"where"` // error: "header", "body", "boundary" or "write"
	Error *jsError `json:"error"` // error
}

// nodeServer is a Node echo server (it-length-prefixed-stream) on 127.0.0.1.
type nodeServer struct {
	addr   string
	events chan string
}

// startServer starts a Node echo server with maxDataLength max (0 for the
// library's default), stopped when tb's test ends.
func startServer(tb testing.TB, max int) *nodeServer {
	tb.Helper()
	args := []string{"server"}
	if max > 0 {
		args = append(args, "--max", strconv.Itoa(max))
	}
	_, lines := startNode(tb, args...)
	s := &nodeServer{events: lines}
	ev := s.next(tb)
	if ev.Event != "listening" || ev.Port == 0 {
		tb.Fatalf("node server's first line is %+v, want it listening", ev)
	}
	s.addr = "127.0.0.1:" + strconv.Itoa(ev.Port)
	return s
}

// next returns the server's next event, failing t if none comes in time.
func (s *nodeServer) next(t tester) serverEvent {
	t.Helper()
	select {
	case line, ok := <-s.events:
		if !ok {
			t.Fatalf("the node server exited")
		}
		var ev serverEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("node server printed %q: %v", line, err)
		}
		return ev
	case <-time.After(nodeTimeout):
		t.Fatalf("the node server hung: no event within %v", nodeTimeout)
	}
	panic("unreachable")
}

// clientResult is the Node client's summary.
type clientResult struct {
	Sent       int      `json:"sent"`
	Received   int      `json:"received"`
	ReadError  *jsError `json:"readError"`
	WriteError *jsError `json:"writeError"`
}

// runClient runs the Node client (it-length-prefixed-stream) against addr:
// it sends msgs, reads as many replies (fewer on an error) and closes. It
// returns the summary and the replies.
func runClient(t *testing.T, addr string, msgs [][]byte, max int) (clientResult, [][]byte) {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.hex"), filepath.Join(dir, "out.hex")
	writeMessages(t, in, msgs)
	_, port, _ := strings.Cut(addr, ":")
	args := []string{"peer.js", "client", "--port", port, "--in", in, "--out", out}
	if max > 0 {
		args = append(args, "--max", strconv.Itoa(max))
	}
	ctx, cancel := context.WithTimeout(context.Background(), nodeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = nodeDir
	cmd.WaitDelay = 5 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if ctx.Err() != nil {
		t.Fatalf("the node client hung: still running after %v; stderr: %s", nodeTimeout, stderr.String())
	}
	if err != nil {
		t.Fatalf("node client: %v; stderr: %s", err, stderr.String())
	}
	var r clientResult
	if err := json.Unmarshal(stdout, &r); err != nil {
		t.Fatalf("node client printed %q: %v", stdout, err)
	}
	return r, readMessages(t, out)
}
