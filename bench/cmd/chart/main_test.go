package main

import (
	"regexp"
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkRead/codec=BE32/size=16B/impl=framekit-view-2   	1000	  30.0 ns/op	 533.3 MB/s	 0 B/op	 0 allocs/op
BenchmarkRead/codec=BE32/size=16B/impl=framekit-view-2   	1000	  10.0 ns/op	 1600 MB/s	 0 B/op	 0 allocs/op
BenchmarkRead/codec=BE32/size=16B/impl=framekit-view-2   	1000	  20.0 ns/op	 800 MB/s	 0 B/op	 0 allocs/op
BenchmarkRead/codec=BE32/size=16B/impl=msgio-readmsg-2   	1000	 120.0 ns/op	 133 MB/s	16 B/op	 1 allocs/op
BenchmarkRead/codec=BE32/size=16B/impl=msgio-readmsg-2   	1000	 100.0 ns/op	 160 MB/s	16 B/op	 1 allocs/op
BenchmarkIdleMemory/impl=framekit-2                      	   5	 2e8 ns/op	 1133 B/reader
BenchmarkTCP/test=stream/codec=BE32/size=16B/impl=hand-8 	1000	  50.0 ns/op
PASS
`

func TestParseGroupsAndMedians(t *testing.T) {
	groups, err := parse(strings.NewReader(sample), "ns/op", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 3 {
		t.Fatalf("got %d groups, want 3", len(groups))
	}
	read := groups[0]
	if read.name != "Read/codec=BE32/size=16B" || len(read.bars) != 2 {
		t.Fatalf("first group %q with %d bars", read.name, len(read.bars))
	}
	if read.bars[0].impl != "framekit-view" || read.bars[0].median() != 20 {
		t.Errorf("bar 0: %s median %v, want framekit-view 20", read.bars[0].impl, read.bars[0].median())
	}
	if read.bars[1].impl != "msgio-readmsg" || read.bars[1].median() != 110 {
		t.Errorf("bar 1: %s median %v, want msgio-readmsg 110 (mean of the middle two)", read.bars[1].impl, read.bars[1].median())
	}
	if groups[2].name != "TCP/test=stream/codec=BE32/size=16B" {
		t.Errorf("the -GOMAXPROCS suffix was not removed: %q", groups[2].name)
	}

	custom, err := parse(strings.NewReader(sample), "B/reader", regexp.MustCompile(`^Idle`))
	if err != nil {
		t.Fatal(err)
	}
	if len(custom) != 1 || custom[0].name != "IdleMemory" || custom[0].bars[0].median() != 1133 {
		t.Fatalf("custom metric: %+v", custom)
	}
}

func TestRenderScalesEachGroup(t *testing.T) {
	groups, err := parse(strings.NewReader(sample), "ns/op", regexp.MustCompile(`^Read/`))
	if err != nil {
		t.Fatal(err)
	}
	svg := render(groups, "ns/op", "title & more")
	for _, want := range []string{
		"<svg", "title &amp; more", "shorter is better",
		`width="650.0"`,                         // msgio-readmsg, the group's largest, gets the full width
		`width="118.2"`,                         // framekit-view: 20/110 of it
		"20.0 ns", "110.0 ns", `fill="#e8801a"`, // go-msgio's colour
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

func TestFormatAndHintOfCustomMetrics(t *testing.T) {
	for _, tt := range []struct {
		v      float64
		metric string
		want   string
	}{
		{15045459, "msg/s", "15.05 M msg/s"},
		{43329, "rt/s", "43.3 k rt/s"},
		{512, "rt/s", "512 rt/s"},
		{1233, "B/conn", "1233 B/conn"},
		{173979, "p50-us", "p50 174.0 ms"},
		{913.2, "p99-us", "p99 913 µs"},
	} {
		if got := format(tt.v, tt.metric); got != tt.want {
			t.Errorf("format(%v, %q) = %q, want %q", tt.v, tt.metric, got, tt.want)
		}
	}
	for metric, want := range map[string]bool{
		"ns/op": true, "B/op": true, "allocs/op": true, "B/conn": true, "stack-B/conn": true, "p99-us": true,
		"MB/s": false, "rt/s": false, "msg/s": false,
	} {
		if got := shorterIsBetter(metric); got != want {
			t.Errorf("shorterIsBetter(%q) = %v, want %v", metric, got, want)
		}
	}
}
