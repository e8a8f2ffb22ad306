package iox

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

type script struct {
	steps []step
	calls int
}

type step struct {
	data string
	err  error
}

func (s *script) Read(p []byte) (int, error) {
	s.calls++
	if len(s.steps) == 0 {
		return 0, io.EOF
	}
	st := s.steps[0]
	s.steps = s.steps[1:]
	return copy(p, st.data), st.err
}

func TestReadFull(t *testing.T) {
	boom := errors.New("boom")
	emptyRun := func(n int) []step { return make([]step, n) }
	cases := []struct {
		name  string
		steps []step
		size  int
		got   int
		err   error
		calls int
	}{
		{"whole", []step{{"abcd", nil}}, 4, 4, nil, 1},
		{"pieces", []step{{"a", nil}, {"bc", nil}, {"d", nil}}, 4, 4, nil, 3},
		{"data with EOF completes", []step{{"abcd", io.EOF}}, 4, 4, nil, 1},
		{"EOF at once", nil, 4, 0, io.EOF, 1},
		{"EOF after some", []step{{"ab", nil}}, 4, 2, io.EOF, 2},
		{"error with data", []step{{"ab", boom}}, 4, 2, boom, 1},
		{"empty reads then data", append(emptyRun(99), step{"abcd", nil}), 4, 4, nil, 100},
		{"no progress", emptyRun(100), 4, 0, io.ErrNoProgress, 100},
		{"progress resets the count", append(append(emptyRun(99), step{"a", nil}), emptyRun(99)...), 4, 1, io.EOF, 200},
		{"nothing to read", nil, 0, 0, nil, 0},
	}
	for _, c := range cases {
		s := &script{steps: c.steps}
		buf := make([]byte, c.size)
		got, err := ReadFull(s, buf)
		if got != c.got || err != c.err || s.calls != c.calls {
			t.Errorf("%s: %d, %v after %d calls; want %d, %v after %d", c.name, got, err, s.calls, c.got, c.err, c.calls)
		}
	}
	buf := make([]byte, 4)
	if _, err := ReadFull(bytes.NewReader([]byte("wxyz")), buf); err != nil || string(buf) != "wxyz" {
		t.Fatal(err)
	}
}
