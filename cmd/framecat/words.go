package main

import (
	"fmt"
	"strings"
)

// count returns n and the noun, with an s unless n is 1: "1 byte",
// "0 bytes", "2 frames". Every message that counts something uses it.
func count[N ~int | ~int64 | ~uint64](n N, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// alternatives lists words as in a sentence: "a, b or c".
func alternatives(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	last := len(words) - 1
	return strings.Join(words[:last], ", ") + " or " + words[last]
}
