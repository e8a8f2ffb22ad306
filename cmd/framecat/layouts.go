package main

import (
	"fmt"
	"strings"

	"github.com/framekit/framekit/layout"
)

// The commands that read or write a stream frame it as a layout.Preset:
// a preset of package layout, given by -layout, or a codec's plain layout,
// given by -codec. Both read and write the same way (a Framer's
// ReadFrameView and WriteFrame, Layout.AppendFrame), so each command is
// written once for both; only inspect keeps a path of its own for codecs,
// which never holds a whole frame.

// layoutList returns the names of the layouts, space-separated.
func layoutList() string { return strings.Join(layout.Names(), " ") }

// layoutFlag is a flag.Value naming a layout: the alternative to the codec
// flag it is bound to, which holds the preset. An unknown name fails
// parsing.
type layoutFlag struct{ codec *codecFlag }

func (f *layoutFlag) String() string {
	if f.codec == nil || f.codec.preset == nil {
		return ""
	}
	return f.codec.preset.String()
}

func (f *layoutFlag) Set(name string) error {
	p, err := layout.Lookup(name)
	if err != nil {
		return fmt.Errorf("unknown layout %q (known: %s)", name, layoutList())
	}
	f.codec.preset = p
	return nil
}

// trailerSize returns the size of p's trailer, in bytes.
func trailerSize(p layout.Preset) int { return len(p.Spec().Trailer) }

// frameSize returns the size of a frame of p with an n-byte body: header,
// body and trailer.
func frameSize(p layout.Preset, n int) int64 {
	return int64(p.HeaderSize(n)) + int64(n) + int64(trailerSize(p))
}
