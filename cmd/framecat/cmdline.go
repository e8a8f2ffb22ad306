package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/framekit/framekit/layout"
)

// cmdline is the command line of one command: a flag set holding the flags
// every command shares, its codec flags and -max, to which the command adds
// its own before it calls parse. Whatever parse checks, a command need not:
// after a successful parse every codec flag holds a codec and the operand
// has passed its command's check.
type cmdline struct {
	*flag.FlagSet
	cmd      *command
	args     []string       // the arguments after the command's name, for parse
	operands []string       // the arguments that are not flags, found by parse
	codecs   []*codecFlag   // in the order of cmd.codecs
	maxSize  *sizeFlag      // -max
	checks   []func() error // run by parse, in order, once the flags are parsed
}

// newCmdline returns the command line of cmd run with args, its shared flags
// defined.
func newCmdline(cmd *command, args []string) *cmdline {
	cl := &cmdline{FlagSet: flag.NewFlagSet(cmd.name, flag.ContinueOnError), cmd: cmd, args: args}
	cl.SetOutput(io.Discard) // parse reports errors itself, on one line
	cl.checks = append(cl.checks, cl.checkOperand)
	for _, option := range cmd.codecs {
		f := &codecFlag{name: option.name, alt: option.layout}
		if option.layout == "" {
			cl.Var(f, option.name, "`C`: "+option.what+" (required), one of "+codecList())
		} else {
			cl.Var(f, option.name, "`C`: "+option.what+", one of "+codecList()+"; this or -"+option.layout+" is required")
			cl.Var(&layoutFlag{f}, option.layout, "`NAME`: header layout of a protocol, instead of -"+option.name+": one of "+layoutList())
		}
		cl.codecs = append(cl.codecs, f)
		cl.checks = append(cl.checks, f.checkGiven)
	}
	cl.maxSize = addMaxFlag(cl.FlagSet)
	return cl
}

// choice defines a string flag whose value must be one of choices, the
// first being its default. usage names the flag's value and what it does;
// the list of choices is added to it. parse reports any other value as a
// usage error, after checking the codec flags.
func (cl *cmdline) choice(name, usage string, choices ...string) *string {
	list := alternatives(choices)
	value := cl.String(name, choices[0], usage+": "+list)
	cl.checks = append(cl.checks, func() error {
		if !slices.Contains(choices, *value) {
			return usagef("unknown -%s %q (want %s)", name, *value, list)
		}
		return nil
	})
	return value
}

// addSkipFlag defines -skip, the unframed bytes inspect and decode pass
// over before the first frame. parse reports a negative count as a usage
// error.
func (cl *cmdline) addSkipFlag() *int64 {
	skip := cl.Int64("skip", 0, "`N`: pass over N unframed bytes before the first frame (HTTP/2's 24-byte\nclient preface, PostgreSQL's startup packets)")
	cl.checks = append(cl.checks, func() error {
		if *skip < 0 {
			return usagef("-skip %d: want a count of bytes, 0 or more", *skip)
		}
		return nil
	})
	return skip
}

// parse parses cl's arguments and checks them: the operand, the codec
// flags, then the checks the command added. Flags may come before or after
// the operand; after "--" every argument is an operand. -help prints the
// command's help on stdout and returns errHelp; any other mistake is a
// *usageError.
func (a *app) parse(cl *cmdline) error {
	rest := cl.args
	for {
		if err := cl.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				cl.printHelp(a.stdout)
				return errHelp
			}
			return &usageError{err.Error()}
		}
		parsed := len(rest) - cl.NArg()
		if cl.NArg() == 0 || parsed > 0 && rest[parsed-1] == "--" {
			cl.operands = append(cl.operands, cl.Args()...)
			break
		}
		// The flag package stops at the first operand: take it and go on
		// with the flags after it.
		cl.operands = append(cl.operands, cl.Arg(0))
		rest = cl.Args()[1:]
	}
	for _, check := range cl.checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// checkOperand checks that the operands are what the command takes (none,
// one, or at most one if its operand is optional) and that the operand
// passes the operand's own check.
func (cl *cmdline) checkOperand() error {
	op := cl.cmd.operand
	want := 0
	if op != nil {
		want = 1
	}
	switch {
	case len(cl.operands) > want:
		return usagef("unexpected argument %q", cl.operands[want])
	case len(cl.operands) < want && !op.optional:
		return usagef("missing %s argument", op.name)
	case len(cl.operands) == 1 && op.check != nil:
		return op.check(cl.operands[0])
	}
	return nil
}

// operand returns the operand given, or "" if there is none.
func (cl *cmdline) operand() string {
	if len(cl.operands) == 0 {
		return ""
	}
	return cl.operands[0]
}

// printHelp writes the command's usage line, its help, what its operand is
// and its flags to w.
func (cl *cmdline) printHelp(w io.Writer) {
	fmt.Fprintf(w, "usage: framecat %s %s\n\n%s\n\n", cl.cmd.name, cl.cmd.synopsis(), strings.TrimSpace(cl.cmd.help))
	if op := cl.cmd.operand; op != nil {
		fmt.Fprintf(w, "%s\n\n", op.help)
	}
	fmt.Fprintln(w, "flags:")
	cl.SetOutput(w)
	cl.PrintDefaults()
}

// codec returns the codec given to the flag -name. It is for use after a
// successful parse, and panics if the command has no such codec flag or if
// the flag has a -layout alternative (see framing).
func (cl *cmdline) codec(name string) lengthCodec {
	f := cl.codecFlag(name)
	if f.alt != "" {
		panic("framecat: -" + name + " has an alternative: use framing")
	}
	return *f.codec
}

// framing returns how the flag -name or its -layout alternative says to
// frame the stream. It is for use after a successful parse, and panics if
// the command has no such codec flag.
func (cl *cmdline) framing(name string) layout.Preset { return cl.codecFlag(name).framing() }

func (cl *cmdline) codecFlag(name string) *codecFlag {
	for _, f := range cl.codecs {
		if f.name == name {
			return f
		}
	}
	panic("framecat: no codec flag -" + name)
}

// limit returns the largest message c may carry under -max.
func (cl *cmdline) limit(c lengthCodec) int { return cl.bodyLimit(c.plain) }

// bodyLimit returns the largest body a frame of p may carry under -max.
func (cl *cmdline) bodyLimit(p layout.Preset) int {
	return int(min(uint64(*cl.maxSize), p.MaxBody(), math.MaxInt))
}

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a *usageError with the formatted message.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// errHelp reports that -help was given and the help is printed: exit 0.
var errHelp = errors.New("help requested")
