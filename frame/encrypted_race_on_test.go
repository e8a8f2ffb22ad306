//go:build race

package frame_test

// encRaceEnabled reports a -race build, in which sync.Pool drops buffers at
// random, so allocation counts mean nothing.
const encRaceEnabled = true

// encRaceSlack is the extra allocation the fuzz targets allow for it.
const encRaceSlack = 4 * 64 << 10
