package testkit

import "runtime"

// Allocated returns the bytes of heap memory allocated while f runs. It
// counts every goroutine's allocations, so a test that bounds it must not run
// in parallel with others (nor start goroutines of its own that outlive f).
//
// It reads runtime.MemStats before and after f. ReadMemStats stops the world
// and flushes every processor's allocation cache, so every object allocated
// is counted, rounded up to its size class. runtime/metrics does not stop the world, but counts small objects
// only once their span leaves a cache, so it can miss what f allocated into
// spans still cached, and let an allocation bound pass that should fail. The
// price is two stops of the world per call.
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
