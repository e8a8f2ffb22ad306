package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progressInterval is how often a progress line is redrawn. The first one
// appears only after this long, so quick runs print nothing.
const progressInterval = 250 * time.Millisecond

// progress counts bytes and frames and, when stderr is a terminal, redraws
// one status line there until stop clears it. Counting is safe for
// concurrent use.
type progress struct {
	name   string
	bytes  atomic.Int64
	frames atomic.Int64

	w     io.Writer     // nil when progress is not shown
	quit  chan struct{} // closed by stop; nil if no goroutine draws
	done  chan struct{} // closed when the drawing goroutine is gone
	width int           // length of the last line drawn; 0 if none
	once  sync.Once
}

// startProgress starts counting for command name. The line is drawn only
// when a.progress is set (stderr is a terminal).
func (a *app) startProgress(name string) *progress {
	if !a.progress {
		return &progress{name: name}
	}
	p := newProgress(name, a.stderr)
	p.quit, p.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(progressInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.draw()
			case <-p.quit:
				return
			}
		}
	}()
	return p
}

// newProgress returns a progress that draws on w when draw is called.
func newProgress(name string, w io.Writer) *progress {
	return &progress{name: name, w: w}
}

func (p *progress) addBytes(n int) { p.bytes.Add(int64(n)) }
func (p *progress) addFrame()      { p.frames.Add(1) }

// draw overwrites the status line with the current counts.
func (p *progress) draw() {
	line := fmt.Sprintf("framecat %s: %s, %s", p.name, humanBytes(p.bytes.Load()), count(p.frames.Load(), "frame"))
	pad := max(p.width-len(line), 0)
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
	p.width = len(line)
}

// stop ends the redrawing and erases the status line, if one was drawn, so
// that what follows on stderr starts on a clean line. It may be called more
// than once.
func (p *progress) stop() {
	if p.w == nil {
		return
	}
	p.once.Do(func() {
		if p.quit != nil {
			close(p.quit)
			<-p.done // no draw after this
		}
		if p.width > 0 {
			fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
		}
	})
}

// humanBytes formats n bytes with one decimal in the largest fitting unit.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, suffix := float64(n), ""
	for _, s := range []string{"KiB", "MiB", "GiB", "TiB"} {
		f, suffix = f/unit, s
		if f < unit {
			break
		}
	}
	return fmt.Sprintf("%.1f %s", f, suffix)
}
