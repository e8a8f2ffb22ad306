// Command framecat makes, reads and inspects length-prefixed message streams,
// and speaks them over TCP: a debugging tool for framed protocols built on
// framekit.
//
// Usage:
//
//	framecat encode  -codec C|-layout NAME [-split lines|lf|null|whole] [-max SIZE] [FILE|-]
//	framecat decode  -codec C|-layout NAME [-format lines|raw|hex|json] [-skip N] [-max SIZE] [FILE|-]
//	framecat inspect -codec C|-layout NAME [-skip N] [-max SIZE] [FILE|-]
//	framecat convert -from C|-from-layout NAME -to C|-to-layout NAME [-max SIZE] [FILE|-]
//	framecat listen  -codec C [-echo] [-max SIZE] ADDR
//	framecat dial    -codec C [-split lines|lf|null|whole] [-max SIZE] ADDR
//
// Codecs: be8 be16 be24 be32 be64 le16 le24 le32 le64 uvarint vbi. Layouts, the headers
// of protocols (package layout): amqp dns http2 kafka mongodb mqtt mysql
// postgres rpc smb2 tls tpkt. -skip N passes over N unframed bytes before
// the first frame, such as HTTP/2's client preface. SIZE is a byte count,
// optionally with a K, KiB, M, MiB, G or GiB suffix (all powers of 1024).
// FILE is the input; without it, or when it is -, the input is stdin. ADDR
// is HOST:PORT. Flags may come before or after the operand.
//
// Exit status: 0 on success, 1 when the input or the network fails, 2 for a
// usage error (unknown command, codec or flag, a bad flag value or ADDR).
// Every command takes -help, as does framecat help COMMAND.
package main

import (
	"errors"
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
	codecs  []codecOption // its codec flags
	flags   string        // synopsis of its own flags, shown between the codec flags and -max
	operand *operand      // the positional argument, nil for none
	summary string        // one line for framecat -help
	help    string        // the body of framecat NAME -help
	run     func(a *app, cl *cmdline) error
}

// codecOption describes a flag naming a codec.
type codecOption struct {
	name   string // the flag's name
	what   string // what the codec is for, in its usage
	layout string // the name of the flag naming a layout instead; "" for none
}

// The codec flags a command may have: one codec, or one for each side, with
// a -layout alternative for the commands that read or write a stream; one
// codec for the network commands.
var (
	oneFraming = []codecOption{{"codec", "length codec", "layout"}}
	twoSides   = []codecOption{{"from", "codec of the input", "from-layout"}, {"to", "codec of the output", "to-layout"}}
	oneCodec   = []codecOption{{"codec", "length codec", ""}}
)

// splitSynopsis is the -split flag of encode and dial in their usage lines.
const splitSynopsis = "[-split " + splitLines + "|" + splitLF + "|" + splitNull + "|" + splitWhole + "]"

// commands lists the subcommands in the order of framecat -help.
var commands = []*command{
	{"encode", oneFraming, splitSynopsis, fileOperand, "frame the messages of a file or stdin onto stdout", encodeHelp, runEncode},
	{"decode", oneFraming, "[-format lines|raw|hex|json] [-skip N]", fileOperand, "unframe the frames of a file or stdin onto stdout", decodeHelp, runDecode},
	{"inspect", oneFraming, "[-skip N]", fileOperand, "list and check the frames of a stream, with offsets", inspectHelp, runInspect},
	{"convert", twoSides, "", fileOperand, "re-frame a file or stdin from one codec to another", convertHelp, runConvert},
	{"listen", oneCodec, "[-echo]", listenAddress, "accept TCP connections; print or echo their messages", listenHelp, runListen},
	{"dial", oneCodec, splitSynopsis, dialAddress, "send stdin's lines as frames over TCP; print what comes back", dialHelp, runDial},
}

// synopsis returns the flags and operand of cmd as its usage line shows
// them: the codec flags, its own flags, -max, then the operand.
func (cmd *command) synopsis() string {
	var s strings.Builder
	for _, option := range cmd.codecs {
		if option.layout != "" {
			fmt.Fprintf(&s, "-%s C|-%s NAME ", option.name, option.layout)
		} else {
			fmt.Fprintf(&s, "-%s C ", option.name)
		}
	}
	fmt.Fprintf(&s, "%s [-max SIZE]", cmd.flags)
	if cmd.operand != nil {
		fmt.Fprintf(&s, " %s", cmd.operand.synopsis)
	}
	return strings.Join(strings.Fields(s.String()), " ") // no gaps for empty parts
}

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
	if isHelp(name) {
		if len(args) == 1 || isHelp(args[1]) {
			a.topUsage(a.stdout)
			return 0
		}
		// framecat help COMMAND is framecat COMMAND -help.
		name, args = args[1], []string{args[1], "-help"}
	}
	for _, cmd := range commands {
		if cmd.name != name {
			continue
		}
		err := cmd.run(a, newCmdline(cmd, args[1:]))
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

// isHelp reports whether arg asks for framecat's help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// topUsage writes the help of framecat itself to w.
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
	fmt.Fprintf(w, "codecs: %s\n", codecList())
	fmt.Fprintf(w, "layouts: %s (protocols' headers; see package layout)\n", layoutList())
	fmt.Fprintln(w, "SIZE: bytes, or with a K, KiB, M, MiB, G or GiB suffix (powers of 1024)")
	fmt.Fprintln(w, "FILE: the input; stdin when FILE is - or left out")
	fmt.Fprintln(w, "ADDR: HOST:PORT, such as 127.0.0.1:7000")
	fmt.Fprintln(w, "exit status: 0 success, 1 bad data or i/o failure, 2 usage error")
	fmt.Fprintln(w, "run 'framecat help COMMAND' (or 'framecat COMMAND -help') for a command's flags")
}
