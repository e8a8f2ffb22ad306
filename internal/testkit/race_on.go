//go:build race

package testkit

// Race reports a build with the race detector, under which sync.Pool drops
// pooled buffers at random: allocation counts then say little.
const Race = true

// RaceSlack is the allocation, in bytes, a bound on a read allows for the
// race detector: re-making up to four pooled 64 KiB buffers that it dropped.
const RaceSlack = 4 * 64 << 10
