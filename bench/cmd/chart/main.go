// Command chart turns `go test -bench` output into an SVG bar chart that sets
// framekit beside go-msgio and the hand-written loop.
//
// Usage:
//
//	chart [-metric ns/op] [-filter REGEXP] [-title TEXT] [-o chart.svg] [bench.txt]
//
// It reads the benchmark output from the file named, or from standard input,
// and writes the SVG to -o, or to standard output. A benchmark's name is split
// at its "impl=" element: what remains names the group, and each
// implementation in the group is one bar, the median of its runs (-count) in
// the chosen metric. Each group is scaled to its own largest bar, and every
// bar is labelled with its value, so groups of very different magnitudes
// share one chart. Bars are coloured by family: framekit, go-msgio (impl
// names starting "msgio"), hand-written ("hand"). It uses only the standard
// library.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	metric := flag.String("metric", "ns/op", "the unit to chart: ns/op, MB/s, B/op, allocs/op or a custom metric")
	filter := flag.String("filter", "", "chart only benchmarks whose name matches this regular expression")
	title := flag.String("title", "framekit vs go-msgio vs hand-written", "the chart's title")
	out := flag.String("o", "", "write the SVG to this file instead of standard output")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: chart [flags] [bench.txt]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*metric, *filter, *title, *out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "chart:", err)
		os.Exit(1)
	}
}

func run(metric, filter, title, out string, args []string) error {
	var re *regexp.Regexp
	if filter != "" {
		var err error
		if re, err = regexp.Compile(filter); err != nil {
			return fmt.Errorf("bad -filter: %w", err)
		}
	}
	in := io.Reader(os.Stdin)
	switch len(args) {
	case 0:
	case 1:
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	default:
		return errors.New("at most one input file")
	}
	groups, err := parse(in, metric, re)
	if err != nil {
		return err
	}
	if len(groups) == 0 {
		return fmt.Errorf("no benchmark results in %s match", metric)
	}
	svg := render(groups, metric, title)
	if out == "" {
		_, err = os.Stdout.WriteString(svg)
		return err
	}
	return os.WriteFile(out, []byte(svg), 0o644)
}

// group is the bars of one benchmark group, in the order they first appear.
type group struct {
	name string
	bars []bar
}

type bar struct {
	impl    string
	samples []float64
}

// median returns the median of the bar's samples.
func (b bar) median() float64 {
	s := slices.Clone(b.samples)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// procSuffix is the -GOMAXPROCS suffix the testing package adds to a name.
var procSuffix = regexp.MustCompile(`-\d+$`)

// parse reads benchmark result lines and collects the samples of metric.
func parse(r io.Reader, metric string, filter *regexp.Regexp) ([]*group, error) {
	var groups []*group
	byName := map[string]*group{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue // not a result line
		}
		name := procSuffix.ReplaceAllString(strings.TrimPrefix(fields[0], "Benchmark"), "")
		if filter != nil && !filter.MatchString(name) {
			continue
		}
		value, ok := lookup(fields[2:], metric)
		if !ok {
			continue
		}
		groupName, impl := splitImpl(name)
		g := byName[groupName]
		if g == nil {
			g = &group{name: groupName}
			byName[groupName] = g
			groups = append(groups, g)
		}
		i := slices.IndexFunc(g.bars, func(b bar) bool { return b.impl == impl })
		if i < 0 {
			g.bars = append(g.bars, bar{impl: impl})
			i = len(g.bars) - 1
		}
		g.bars[i].samples = append(g.bars[i].samples, value)
	}
	return groups, sc.Err()
}

// lookup finds metric in the value-unit pairs of a result line.
func lookup(pairs []string, metric string) (float64, bool) {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == metric {
			v, err := strconv.ParseFloat(pairs[i], 64)
			return v, err == nil
		}
	}
	return 0, false
}

// splitImpl removes the impl= element from a benchmark name and returns the
// rest and the implementation.
func splitImpl(name string) (groupName, impl string) {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		if v, ok := strings.CutPrefix(p, "impl="); ok {
			return strings.Join(slices.Delete(parts, i, i+1), "/"), v
		}
	}
	return name, "?"
}

// family returns the colour of an implementation's family.
func family(impl string) string {
	switch {
	case strings.HasPrefix(impl, "framekit"):
		return "#1f6fb4"
	case strings.HasPrefix(impl, "msgio"):
		return "#e8801a"
	case strings.HasPrefix(impl, "hand"):
		return "#8a8a8a"
	}
	return "#5aa05a"
}

// Layout, in pixels.
const (
	width      = 960
	labelWidth = 190 // implementation names, left of the bars
	valueWidth = 110 // value labels, right of the longest bar
	barHeight  = 14
	barGap     = 3
	groupGap   = 12
	headHeight = 18 // a group's name
	topMargin  = 58
)

func render(groups []*group, metric, title string) string {
	height := topMargin + 10
	for _, g := range groups {
		height += headHeight + len(g.bars)*(barHeight+barGap) + groupGap
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="22" font-size="16" font-weight="bold">%s</text>`+"\n", html.EscapeString(title))
	hint := "longer is better"
	if shorterIsBetter(metric) {
		hint = "shorter is better"
	}
	fmt.Fprintf(&b, `<text x="10" y="40" fill="#444">median %s per benchmark, each group scaled to its largest bar (%s)</text>`+"\n",
		html.EscapeString(metric), hint)
	legend := []struct{ name, colour string }{{"framekit", family("framekit")}, {"go-msgio v0.3.0", family("msgio")}, {"hand-written", family("hand")}}
	for i, l := range legend {
		x := width - 420 + i*140
		fmt.Fprintf(&b, `<rect x="%d" y="30" width="12" height="12" fill="%s"/><text x="%d" y="40">%s</text>`+"\n", x, l.colour, x+16, l.name)
	}
	y := topMargin
	maxBar := float64(width - labelWidth - valueWidth - 10)
	for _, g := range groups {
		fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y+12, html.EscapeString(g.name))
		y += headHeight
		largest := 0.0
		for _, br := range g.bars {
			largest = max(largest, br.median())
		}
		for _, br := range g.bars {
			v := br.median()
			w := 0.0
			if largest > 0 {
				w = v / largest * maxBar
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, labelWidth-6, y+barHeight-3, html.EscapeString(br.impl))
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`, labelWidth, y, max(w, 1), barHeight, family(br.impl))
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(labelWidth)+max(w, 1)+4, y+barHeight-3, format(v, metric))
			y += barHeight + barGap
		}
		y += groupGap
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// shorterIsBetter reports whether a smaller value of metric is better: a
// time (ns/op, or a latency in µs such as p99-us), bytes (B/op, B/conn,
// stack-B/conn) or allocations.
func shorterIsBetter(metric string) bool {
	return strings.HasPrefix(metric, "ns/") || strings.HasPrefix(metric, "B/") || strings.HasSuffix(metric, "B/conn") ||
		strings.HasSuffix(metric, "-us") || strings.HasSuffix(metric, "allocs/op")
}

// format prints a value with its unit, scaled to be short: 1.31 µs, 2.40 GB/s,
// 15.05 M msg/s, p99 174.0 ms.
func format(v float64, metric string) string {
	switch metric {
	case "ns/op":
		switch {
		case v >= 1e6:
			return fmt.Sprintf("%.2f ms", v/1e6)
		case v >= 1e3:
			return fmt.Sprintf("%.2f µs", v/1e3)
		}
		return fmt.Sprintf("%.1f ns", v)
	case "MB/s":
		if v >= 1000 {
			return fmt.Sprintf("%.2f GB/s", v/1000)
		}
		return fmt.Sprintf("%.1f MB/s", v)
	}
	if name, ok := strings.CutSuffix(metric, "-us"); ok { // a latency: p50-us
		if v >= 1e3 {
			return fmt.Sprintf("%s %.1f ms", name, v/1e3)
		}
		return fmt.Sprintf("%s %.0f µs", name, v)
	}
	if strings.HasSuffix(metric, "/s") { // a rate: rt/s, msg/s
		switch {
		case v >= 1e6:
			return fmt.Sprintf("%.2f M %s", v/1e6, metric)
		case v >= 1e3:
			return fmt.Sprintf("%.1f k %s", v/1e3, metric)
		}
	}
	return strconv.FormatFloat(v, 'g', 4, 64) + " " + metric
}
