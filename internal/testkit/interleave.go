package testkit

import (
	"testing"
	"time"
)

// Interleave compares implementations on a noisy machine, where running one
// benchmark after another lets the load of other processes, not the code,
// decide their ratio. It calls each of fns once to warm its pools and
// buffers, then runs them in turn, round calls each, until each has run at
// least b.N times, so that all of them see the same interference. It reports
// each one's mean ns per call as the metric "ns/NAME" and returns those means
// by name; the benchmark's own ns/op is the sum over all fns. An error from a
// call fails b.
func Interleave(b *testing.B, round int, names []string, fns []func() error) map[string]float64 {
	for i, fn := range fns {
		if err := fn(); err != nil {
			b.Fatalf("%s: %v", names[i], err)
		}
	}
	total := make([]time.Duration, len(fns))
	rounds := (b.N + round - 1) / round
	b.ResetTimer()
	for range rounds {
		for i, fn := range fns {
			start := time.Now()
			for range round {
				if err := fn(); err != nil {
					b.Fatalf("%s: %v", names[i], err)
				}
			}
			total[i] += time.Since(start)
		}
	}
	b.StopTimer()
	ns := make(map[string]float64, len(fns))
	for i, name := range names {
		ns[name] = float64(total[i].Nanoseconds()) / float64(rounds*round)
		b.ReportMetric(ns[name], "ns/"+name)
	}
	return ns
}
