// Package bufpool lends byte slices in power-of-two size classes, so that a
// connection holds a large buffer only while it is using it.
package bufpool

import (
	"math/bits"
	"sync"
)

const (
	minShift = 9  // smallest class: 512 bytes
	maxShift = 26 // largest class: 64 MiB; larger requests are not pooled
)

// MinSize is the capacity of the smallest slice Put keeps; smaller ones are
// left to the garbage collector.
const MinSize = 1 << minShift

var pools [maxShift - minShift + 1]sync.Pool

// class returns the index of the smallest class holding n bytes, or -1 when n
// is too large to pool.
func class(n int) int {
	if n <= 1<<minShift {
		return 0
	}
	s := bits.Len(uint(n - 1))
	if s > maxShift {
		return -1
	}
	return s - minShift
}

// Get returns a slice whose length is at least n (a class size, for n up to
// 64 MiB). The caller owns it until it hands it to Put.
func Get(n int) *[]byte {
	if p := Reuse(n); p != nil {
		return p
	}
	size := n
	if c := class(n); c >= 0 {
		size = 1 << (c + minShift)
	}
	b := make([]byte, size)
	return &b
}

// Reuse is Get without the allocation: it returns nil when no pooled slice of
// n bytes or more is at hand. Besides n's own class it looks one class down,
// where Put files a slice grown to a size between two classes (a message
// buffer that grew as its body arrived): one whose capacity covers n is
// returned with its length set to that capacity.
func Reuse(n int) *[]byte {
	c := class(n)
	if c < 0 {
		return nil
	}
	if p, _ := pools[c].Get().(*[]byte); p != nil {
		return p
	}
	if c == 0 {
		return nil
	}
	p, _ := pools[c-1].Get().(*[]byte)
	if p == nil {
		return nil
	}
	if cap(*p) < n {
		pools[c-1].Put(p)
		return nil
	}
	*p = (*p)[:cap(*p)]
	return p
}

// Put hands a slice back for reuse; the caller must not touch it afterwards.
// It is pooled in the largest class its capacity covers; slices under 512
// bytes or over 64 MiB are left to the garbage collector.
func Put(p *[]byte) {
	n := cap(*p)
	if n < 1<<minShift {
		return
	}
	s := bits.Len(uint(n)) - 1 // floor(log2(n))
	if s > maxShift {
		return
	}
	*p = (*p)[:1<<s]
	pools[s-minShift].Put(p)
}
