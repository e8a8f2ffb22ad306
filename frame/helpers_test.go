package frame_test

import "bytes"

func repeat(c byte, n int) []byte { return bytes.Repeat([]byte{c}, n) }
