package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/framekit/framekit/codec"
	"github.com/framekit/framekit/frame"
	"github.com/framekit/framekit/layout"
)

// lengthCodec is a codec chosen at run time: the codec value itself, for
// DecodeLength and HeaderSize, and the generic library functions
// instantiated for it. bind makes one per codec, so that every command is
// written once against this struct instead of once per type parameter.
type lengthCodec struct {
	codec.LengthCodec
	newFramer   func(rw io.ReadWriteCloser, opts ...frame.Option) frame.MsgConn
	appendFrame func(dst, msg []byte) ([]byte, error)
	plain       layout.Preset // the codec's plain layout: what -codec stands for where -layout may stand instead
}

// bind instantiates the library for codec L.
func bind[L codec.LengthCodec]() lengthCodec {
	var c L
	return lengthCodec{
		LengthCodec: c,
		newFramer: func(rw io.ReadWriteCloser, opts ...frame.Option) frame.MsgConn {
			f, err := frame.NewByName(c.String(), rw, opts...)
			if err != nil {
				panic(err) // every codec of package codec has a name NewByName knows
			}
			return f
		},
		appendFrame: frame.AppendFrame[L],
		plain:       layout.PresetOf(frame.Layout[L]{}),
	}
}

// codecs lists every codec framecat knows, named by their String method.
var codecs = []lengthCodec{
	bind[codec.BE8](), bind[codec.BE16](), bind[codec.BE24](), bind[codec.BE32](), bind[codec.BE64](),
	bind[codec.LE16](), bind[codec.LE24](), bind[codec.LE32](), bind[codec.LE64](),
	bind[codec.Uvarint](), bind[codec.VBI](),
}

// codecList returns the names of the codecs, space-separated.
func codecList() string {
	names := make([]string, len(codecs))
	for i, c := range codecs {
		names[i] = c.String()
	}
	return strings.Join(names, " ")
}

// codecByName returns the codec called name, or an error listing the codecs
// there are.
func codecByName(name string) (*lengthCodec, error) {
	for i := range codecs {
		if codecs[i].String() == name {
			return &codecs[i], nil
		}
	}
	return nil, fmt.Errorf("unknown codec %q (known: %s)", name, codecList())
}

// codecFlag is a flag.Value naming a codec; an unknown name fails parsing.
// The flag is required, unless it has an alternative -layout flag
// (layoutFlag) and that is given instead: checkGiven reports what is
// missing, or both given.
type codecFlag struct {
	name   string        // the flag's name: codec, from or to
	alt    string        // the name of its -layout alternative; "" for none
	codec  *lengthCodec  // nil until the flag is given
	preset layout.Preset // nil until the alternative is given
}

func (f *codecFlag) String() string {
	if f.codec == nil {
		return ""
	}
	return f.codec.String()
}

func (f *codecFlag) Set(name string) error {
	c, err := codecByName(name)
	if err != nil {
		return err
	}
	f.codec = c
	return nil
}

// checkGiven returns a usage error unless exactly one of the flag and its
// alternative was given.
func (f *codecFlag) checkGiven() error {
	switch {
	case f.alt == "" && f.codec == nil:
		return usagef("-%s is required (one of %s)", f.name, codecList())
	case f.codec != nil && f.preset != nil:
		return usagef("-%s and -%s are alternatives: give one", f.name, f.alt)
	case f.codec == nil && f.preset == nil:
		return usagef("-%s C or -%s NAME is required (codecs: %s; layouts: %s)", f.name, f.alt, codecList(), layoutList())
	}
	return nil
}

// framing returns how the flag and its alternative say to frame the
// stream: the codec's plain layout, or the preset. It is for use after
// checkGiven.
func (f *codecFlag) framing() layout.Preset {
	if f.preset != nil {
		return f.preset
	}
	return f.codec.plain
}
