package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// cmdline is the command line of one command: a flag set holding the flags
// every command shares, its codec flags and -max, to which the command adds
// its own before it calls parse. Whatever parse checks, a command need not:
// after a successful parse every codec flag holds a codec.
type cmdline struct {
	*flag.FlagSet
	cmd     *command
	args    []string       // the arguments after the command's name, for parse
	codecs  []*codecFlag   // in the order of cmd.codecs
	maxSize *sizeFlag      // -max
	checks  []func() error // run by parse, in order, once the flags are parsed
}

// newCmdline returns the command line of cmd run with args, its shared flags
// defined.
func newCmdline(cmd *command, args []string) *cmdline {
	cl := &cmdline{FlagSet: flag.NewFlagSet(cmd.name, flag.ContinueOnError), cmd: cmd, args: args}
	cl.SetOutput(io.Discard) // parse reports errors itself, on one line
	cl.checks = append(cl.checks, cl.checkOperand)
	for _, option := range cmd.codecs {
		f := &codecFlag{name: option.name}
		cl.Var(f, option.name, "`C`: "+option.what+" (required), one of "+codecList())
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

// parse parses cl's arguments and checks them: the number of operands, the
// codec flags, then the checks the command added. -help prints the
// command's help on stdout and returns errHelp; any other mistake is a
// *usageError.
func (a *app) parse(cl *cmdline) error {
	if err := cl.Parse(cl.args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cl.printHelp(a.stdout)
			return errHelp
		}
		return &usageError{err.Error()}
	}
	for _, check := range cl.checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// checkOperand checks that the operands are what the command takes: none,
// one, or at most one if its operand is optional.
func (cl *cmdline) checkOperand() error {
	operand := cl.cmd.operand
	want := 0
	if operand != "" {
		want = 1
	}
	switch {
	case cl.NArg() > want:
		return usagef("unexpected argument %q", cl.Arg(want))
	case cl.NArg() < want && !strings.HasPrefix(operand, "["):
		return usagef("missing %s argument", operand)
	}
	return nil
}

// printHelp writes the command's usage line, its help and its flags to w.
func (cl *cmdline) printHelp(w io.Writer) {
	fmt.Fprintf(w, "usage: framecat %s %s\n\n%s\n\nflags:\n", cl.cmd.name, cl.cmd.synopsis(), strings.TrimSpace(cl.cmd.help))
	cl.SetOutput(w)
	cl.PrintDefaults()
}

// codec returns the codec given to the flag -name. It is for use after a
// successful parse, and panics if the command has no such codec flag.
func (cl *cmdline) codec(name string) lengthCodec {
	for _, f := range cl.codecs {
		if f.name == name {
			return *f.codec
		}
	}
	panic("framecat: no codec flag -" + name)
}

// limit returns the largest message c may carry under -max.
func (cl *cmdline) limit(c lengthCodec) int {
	return int(min(uint64(*cl.maxSize), c.MaxLength(), math.MaxInt))
}

// alternatives lists words as in a sentence: "a, b or c".
func alternatives(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	last := len(words) - 1
	return strings.Join(words[:last], ", ") + " or " + words[last]
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
