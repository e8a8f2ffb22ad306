//go:build race

package props_test

// raceEnabled shrinks the largest generated messages: the race detector
// makes every byte copied cost more.
const raceEnabled = true
