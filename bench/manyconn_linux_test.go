package bench

import (
	"fmt"
	"os"
	"syscall"
)

// raiseFDLimit raises the soft limit on open descriptors to the hard limit
// and returns it.
func raiseFDLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("descriptor limit: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("raise the descriptor limit to %d: %w", lim.Max, err)
		}
	}
	return lim.Cur, nil
}

// openFDs returns how many descriptors the process holds.
func openFDs() int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return len(fds)
}
