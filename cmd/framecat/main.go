// Command framecat makes, reads and inspects length-prefixed message streams,
// and speaks them over TCP: a debugging tool for framed protocols built on
// framekit.
//
// Usage:
//
//	framecat encode  -codec C [-split lines|null|whole] [-max SIZE]
//	framecat decode  -codec C [-format lines|raw|hex|json] [-max SIZE]
//	framecat inspect -codec C [-max SIZE] [FILE|-]
//	framecat convert -from C -to C [-max SIZE]
//	framecat listen  -codec C [-echo] [-max SIZE] ADDR
//	framecat dial    -codec C [-max SIZE] ADDR
//
// Codecs: be8 be16 be32 be64 le16 le32 le64 uvarint. SIZE is a byte count,
// optionally with a K, KiB, M, MiB, G or GiB suffix (all powers of 1024).
//
// Exit status: 0 on success, 1 when the input or the network fails, 2 for a
// usage error (unknown command, codec or flag). Every command takes -help.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// app holds what a command may touch of the process, so that every command
// reads and writes through the same three streams.
type app struct {
	stdin    io.Reader
	stdout   io.Writer
	stderr   io.Writer
	progress bool // stderr is a terminal: show progress on long runs
}

// command is one subcommand.
type command struct {
	name    string
	flags   string // synopsis of the flags
	operand string // the positional argument: "" for none, "[X]" if optional
	summary string // one line for framecat -help
	help    string // the body of framecat NAME -help
	run     func(a *app, cmd *command, args []string) error
}

// commands lists the subcommands in the order of framecat -help.
var commands = []*command{
	{"encode", "-codec C [-split lines|null|whole] [-max SIZE]", "", "frame stdin's messages onto stdout", encodeHelp, runEncode},
	{"decode", "-codec C [-format lines|raw|hex|json] [-max SIZE]", "", "unframe stdin's frames onto stdout", decodeHelp, runDecode},
	{"inspect", "-codec C [-max SIZE]", "[FILE|-]", "list and check the frames of a stream, with offsets", inspectHelp, runInspect},
	{"convert", "-from C -to C [-max SIZE]", "", "re-frame stdin from one codec to another", convertHelp, runConvert},
	{"listen", "-codec C [-echo] [-max SIZE]", "ADDR", "accept TCP connections; print or echo their messages", listenHelp, runListen},
	{"dial", "-codec C [-max SIZE]", "ADDR", "send stdin's lines as frames over TCP; print what comes back", dialHelp, runDial},
}

func (cmd *command) synopsis() string {
	return strings.TrimSpace(cmd.flags + " " + cmd.operand)
}

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// errHelp reports that -help was given and the help is printed: exit 0.
var errHelp = errors.New("help requested")

func main() {
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, progress: isTerminal(os.Stderr)}
	os.Exit(a.main(os.Args[1:]))
}

// main runs the command line args and returns the exit status.
func (a *app) main(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(a.stderr, "framecat: missing command (see framecat -help)")
		return 2
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		a.topUsage(a.stdout)
		return 0
	}
	for _, cmd := range commands {
		if cmd.name != name {
			continue
		}
		err := cmd.run(a, cmd, args[1:])
		var usage *usageError
		switch {
		case err == nil, errors.Is(err, errHelp):
			return 0
		case errors.As(err, &usage):
			fmt.Fprintf(a.stderr, "framecat %s: %v (see framecat %s -help)\n", name, err, name)
			return 2
		default:
			fmt.Fprintf(a.stderr, "framecat %s: %v\n", name, err)
			return 1
		}
	}
	fmt.Fprintf(a.stderr, "framecat: unknown command %q (see framecat -help)\n", name)
	return 2
}

func (a *app) topUsage(w io.Writer) {
	fmt.Fprintln(w, "framecat makes, reads and inspects length-prefixed message streams.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage:")
	for _, cmd := range commands {
		fmt.Fprintf(w, "  framecat %-7s %s\n", cmd.name, cmd.synopsis())
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, cmd := range commands {
		fmt.Fprintf(w, "  %-7s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "codecs: %s\n", strings.Join(codecNames(), " "))
	fmt.Fprintln(w, "SIZE: bytes, or with a K, KiB, M, MiB, G or GiB suffix (powers of 1024)")
	fmt.Fprintln(w, "exit status: 0 success, 1 bad data or i/o failure, 2 usage error")
	fmt.Fprintln(w, "run 'framecat COMMAND -help' for a command's flags")
}

// flagSet returns an empty flag set for cmd whose errors parse reports.
func (cmd *command) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors itself, on one line
	return fs
}

// parse parses args into fs and checks the positional argument. -help
// prints cmd's help on stdout and returns errHelp; any other mistake is a
// *usageError.
func (a *app) parse(cmd *command, fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			w := a.stdout
			fmt.Fprintf(w, "usage: framecat %s %s\n\n%s\n\nflags:\n", cmd.name, cmd.synopsis(), strings.TrimSpace(cmd.help))
			fs.SetOutput(w)
			fs.PrintDefaults()
			return errHelp
		}
		return &usageError{err.Error()}
	}
	want := 0
	if cmd.operand != "" {
		want = 1
	}
	switch {
	case fs.NArg() > want:
		return usagef("unexpected argument %q", fs.Arg(want))
	case fs.NArg() < want && !strings.HasPrefix(cmd.operand, "["):
		return usagef("missing %s argument", cmd.operand)
	}
	return nil
}
