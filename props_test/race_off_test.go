//go:build !race

package props_test

const raceEnabled = false
