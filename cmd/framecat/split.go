package main

import (
	"bufio"
	"errors"
	"io"

	"github.com/framekit/framekit/errs"
)

// Ways encode and dial cut their input into messages.
const (
	splitLines = "lines" // each line, without its \n or \r\n, as bufio.ScanLines cuts them
	splitLF    = "lf"    // each line, without its \n: every other byte kept
	splitNull  = "null"  // each NUL-terminated record, without the NUL
	splitWhole = "whole" // all of the input as one message
)

// splitter cuts a byte stream into messages of at most max bytes, holding
// no more than max bytes of one in memory however long it really is.
type splitter struct {
	r      *bufio.Reader
	mode   string
	max    int
	buf    []byte // the message being assembled when it spans reads
	start  int64  // input offset of the last message returned
	offset int64  // input offset of the next message
	index  int    // messages returned so far
	done   bool   // mode whole: the one message was returned
}

// newSplitter returns a splitter cutting r in mode, one of the split
// constants, into messages of at most max bytes.
func newSplitter(r io.Reader, mode string, max int) *splitter {
	return &splitter{r: bufio.NewReaderSize(r, bufferSize), mode: mode, max: max}
}

// next returns the next message, valid until the following call, or io.EOF
// after the last. A final line or record without its terminator is still a
// message; an empty input has none, except in mode whole, where it is one
// empty message. In mode lines a \r that ends a line is part of its
// terminator, also on a final line without a newline, as in
// bufio.ScanLines. A message over max is an *inputError wrapping an
// *errs.MessageTooLargeError with its full size.
func (s *splitter) next() ([]byte, error) {
	if s.mode == splitWhole {
		return s.whole()
	}
	delim := byte('\n')
	if s.mode == splitNull {
		delim = 0
	}
	keep := int64(s.max) // bytes of a line buffered: the most a message has...
	if s.mode == splitLines {
		keep++ // ...and room for a \r to drop
	}
	s.buf = s.buf[:0]
	var (
		size int64 // bytes of the line seen, delimiter excluded
		cr   bool  // the last of them is a \r
	)
	for {
		chunk, err := s.r.ReadSlice(delim)
		complete := err == nil
		if complete {
			chunk = chunk[:len(chunk)-1]
		}
		if complete && size == 0 && int64(len(chunk)) <= keep {
			msg := chunk // the whole line in one slice: no copy
			if s.mode == splitLines && len(msg) > 0 && msg[len(msg)-1] == '\r' {
				msg = msg[:len(msg)-1]
			}
			if len(msg) <= s.max {
				return s.emit(msg, len(chunk)-len(msg)+1)
			}
		}
		if size+int64(len(chunk)) <= keep {
			s.buf = append(s.buf, chunk...)
		}
		size += int64(len(chunk))
		if len(chunk) > 0 {
			cr = chunk[len(chunk)-1] == '\r'
		}
		term := 0 // bytes of the terminator
		switch {
		case complete:
			term = 1
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && size == 0:
			return nil, io.EOF
		case err == io.EOF:
		default:
			return nil, err
		}
		if s.mode == splitLines && cr {
			size, term = size-1, term+1
			if int64(len(s.buf)) > size {
				s.buf = s.buf[:size]
			}
		}
		return s.finish(size, term)
	}
}

// whole reads all of the input as one message.
func (s *splitter) whole() ([]byte, error) {
	if s.done {
		return nil, io.EOF
	}
	s.done = true
	var err error
	s.buf, err = io.ReadAll(io.LimitReader(s.r, int64(s.max)+1))
	if err != nil {
		return nil, err
	}
	if len(s.buf) > s.max {
		rest, err := io.Copy(io.Discard, s.r)
		if err != nil {
			return nil, err
		}
		return s.finish(int64(len(s.buf))+rest, 0)
	}
	return s.emit(s.buf, 0)
}

// finish returns the assembled message of size bytes, or the error for it
// if it is over the limit. term is the terminator's length.
func (s *splitter) finish(size int64, term int) ([]byte, error) {
	if size > int64(s.max) {
		return nil, messageError(s.index+1, s.offset, &errs.MessageTooLargeError{Size: uint64(size), Max: uint64(s.max)})
	}
	return s.emit(s.buf, term)
}

// emit returns msg as the next message, followed in the input by a
// terminator of term bytes.
func (s *splitter) emit(msg []byte, term int) ([]byte, error) {
	s.index++
	s.start = s.offset
	s.offset += int64(len(msg) + term)
	return msg, nil
}
