package main

import (
	"bufio"
	"io"
	"math"
)

const encodeHelp = `
Encode reads stdin, cuts it into messages and writes each one to stdout
as a frame: its length header in codec C, then its bytes.

-split lines (the default) makes a message of every line without its
newline; a final line without a newline is still a message. -split null
does the same with NUL-terminated records, and -split whole makes all of
stdin one message. A message over -max, or over what the codec carries
(255 bytes for be8), is an error naming the message and its size.

  printf 'hello\nworld\n' | framecat encode -codec uvarint > frames.bin
`

func runEncode(a *app, cmd *command, args []string) error {
	fs := cmd.flagSet()
	codecFlag := addCodecFlag(fs, "codec", "length codec")
	split := fs.String("split", splitLines, "`MODE`: how stdin is cut into messages: lines, null or whole")
	maxSize := addMaxFlag(fs)
	if err := a.parse(cmd, fs, args); err != nil {
		return err
	}
	c, err := codecFlag.get("codec")
	if err != nil {
		return err
	}
	switch *split {
	case splitLines, splitNull, splitWhole:
	default:
		return usagef("unknown -split %q (want lines, null or whole)", *split)
	}

	p := a.startProgress(cmd.name)
	defer p.stop()
	in := newSplitter(countingReader{a.stdin, p}, *split, limit(c, maxSize))
	out := bufio.NewWriterSize(a.stdout, 64<<10)
	err = encode(in, c, out, p)
	if ferr := out.Flush(); err == nil { // the frames before an error count too
		err = ferr
	}
	return err
}

// encode writes every message of in to out as a frame in codec c.
func encode(in *splitter, c lengthCodec, out io.Writer, p *progress) error {
	var buf []byte
	for {
		msg, err := in.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if buf, err = c.appendFrame(buf[:0], msg); err != nil {
			return messageError(in.index, in.start, err)
		}
		if _, err := out.Write(buf); err != nil {
			return err
		}
		p.addFrame()
	}
}

// limit returns the largest message c may carry under -max.
func limit(c lengthCodec, maxSize *sizeFlag) int {
	return int(min(uint64(*maxSize), c.MaxLength(), math.MaxInt))
}
