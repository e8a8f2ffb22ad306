//go:build !linux

package bench

// raiseFDLimit reports an unknown limit (0): outside Linux the benchmarks
// leave the descriptor limit as it is and do not clip their counts to it.
func raiseFDLimit() (uint64, error) { return 0, nil }

// openFDs is not known outside Linux.
func openFDs() int { return 0 }
