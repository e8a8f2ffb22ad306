package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
)

// operand is the positional argument of a command.
type operand struct {
	name     string             // as errors name it: FILE, ADDR
	synopsis string             // as the usage line shows it
	optional bool               // it may be left out
	help     string             // a sentence for the command's help
	check    func(string) error // if set, run by parse: a *usageError for a bad value
}

// The operands of the commands.
var (
	// fileOperand is the input of the commands that read a stream.
	fileOperand = &operand{
		name: "FILE", synopsis: "[FILE|-]", optional: true,
		help: "FILE is the input; without it, or when it is -, the input is stdin.",
	}
	listenAddress = &operand{
		name: "ADDR", synopsis: "ADDR",
		help:  "ADDR is the HOST:PORT to listen on, such as 127.0.0.1:7000; port 0 asks\nfor any free port.",
		check: func(addr string) error { return checkAddress(addr, true) },
	}
	dialAddress = &operand{
		name: "ADDR", synopsis: "ADDR",
		help:  "ADDR is the HOST:PORT of the peer, such as 127.0.0.1:7000.",
		check: func(addr string) error { return checkAddress(addr, false) },
	}
)

// checkAddress checks that addr is a TCP address, HOST:PORT, with a port
// in 0 to 65535 or a service name the system knows; port 0 only if anyPort.
// It returns a *usageError saying what is wrong. The host is not resolved:
// a host that does not resolve is a failure of the network, not of usage.
func checkAddress(addr string, anyPort bool) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		why := err.Error()
		var syntax *net.AddrError
		if errors.As(err, &syntax) {
			why = syntax.Err // without the address, which the message has already
		}
		return usagef("bad ADDR %q: %s; want HOST:PORT, such as 127.0.0.1:7000", addr, why)
	}
	n, err := net.LookupPort("tcp", port)
	switch {
	case err != nil && port != "" && strings.Trim(port, "0123456789") == "":
		return usagef("bad ADDR %q: port %s is out of range (0 to 65535)", addr, port)
	case err != nil:
		return usagef("bad ADDR %q: unknown port %q (want a number or a service name such as http)", addr, port)
	case n == 0 && !anyPort:
		return usagef("bad ADDR %q: port 0 is for listening; dial needs the peer's port", addr)
	}
	return nil
}

// openInput opens the input the FILE operand names: stdin when name is ""
// or -, which close leaves open, else the file, which close closes. A
// directory is refused when it is opened rather than on the first read.
func (a *app) openInput(name string) (io.ReadCloser, error) {
	if name == "" || name == "-" {
		return stdinInput{a.stdin}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory", name)
	}
	return f, nil
}

// stdinInput is stdin as an input: closing it leaves stdin open.
type stdinInput struct{ io.Reader }

func (stdinInput) Close() error { return nil }
