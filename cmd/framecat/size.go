package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/framekit/framekit/frame"
)

// sizeUnits are the suffixes parseSize accepts, matched without regard to
// case. All are powers of 1024: K means KiB.
var sizeUnits = []struct {
	suffix string
	shift  uint
}{
	{"kib", 10}, {"mib", 20}, {"gib", 30},
	{"k", 10}, {"m", 20}, {"g", 30},
}

var errSizeSyntax = errors.New("want a byte count such as 4096, 64KiB or 8M")

// parseSize parses a byte count: decimal digits, optionally followed by K,
// KiB, M, MiB, G or GiB (case-insensitive, powers of 1024). The result is at
// most math.MaxInt. Anything else is an error.
func parseSize(s string) (int, error) {
	digits, shift := s, uint(0)
	lower := strings.ToLower(s)
	for _, u := range sizeUnits {
		if strings.HasSuffix(lower, u.suffix) {
			digits, shift = s[:len(s)-len(u.suffix)], u.shift
			break
		}
	}
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, errSizeSyntax
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n > math.MaxInt>>shift {
		return 0, fmt.Errorf("%s is too large: the limit is %s", s, count(math.MaxInt, "byte"))
	}
	return int(n << shift), nil
}

// formatSize writes n in the largest unit that divides it exactly.
func formatSize(n int) string {
	for _, u := range []struct {
		name  string
		shift uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if n != 0 && n%(1<<u.shift) == 0 {
			return strconv.Itoa(n>>u.shift) + u.name
		}
	}
	return strconv.Itoa(n)
}

// sizeFlag is a flag.Value holding a size parsed by parseSize.
type sizeFlag int

func (s *sizeFlag) String() string { return formatSize(int(*s)) }

func (s *sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}

// addMaxFlag defines -max on fs, defaulting to the library's DefaultMaxSize.
func addMaxFlag(fs *flag.FlagSet) *sizeFlag {
	s := sizeFlag(frame.DefaultMaxSize)
	fs.Var(&s, "max", "`SIZE`: largest message body, inclusive, also clipped to what the codec carries")
	return &s
}
