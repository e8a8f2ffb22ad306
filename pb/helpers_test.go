package pb_test

import (
	"bytes"
	"fmt"
	"testing"

	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"

	"github.com/framekit/framekit/pb/internal/testpb"
)

// identifies returns n Identify messages of growing size, the first empty
// (a zero-length body), so that the stream crosses the varint boundaries of
// 127 and 16383 bytes.
func identifies(n int) []*testpb.Identify {
	msgs := make([]*testpb.Identify, n)
	msgs[0] = &testpb.Identify{}
	for i := 1; i < n; i++ {
		m := &testpb.Identify{
			ProtocolVersion: "ipfs/0.1.0",
			AgentVersion:    fmt.Sprintf("framekit-test/%d", i),
			PublicKey:       bytes.Repeat([]byte{byte(i)}, i*i%4000),
			ObservedAddr:    []byte{4, 127, 0, 0, 1, 6, byte(i >> 8), byte(i)},
		}
		for a := 0; a < i%7; a++ {
			m.ListenAddrs = append(m.ListenAddrs, []byte{4, 127, 0, 0, 1, 6, 0x10, byte(a)})
			m.Protocols = append(m.Protocols, fmt.Sprintf("/test/proto/%d/1.0.0", a))
		}
		msgs[i] = m
	}
	return msgs
}

// referenceStream is the uvarint-delimited stream of msgs as protodelim
// writes it: what every writer under test must send, byte for byte.
func referenceStream[M proto.Message](t fataler, msgs []M) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, m := range msgs {
		if _, err := protodelim.MarshalTo(&b, m); err != nil {
			t.Fatalf("protodelim.MarshalTo: %v", err)
		}
	}
	return b.Bytes()
}

// equalMsgs fails t unless got holds the messages of want, in order.
func equalMsgs[M proto.Message](t testing.TB, got, want []M) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if !proto.Equal(got[i], want[i]) {
			t.Fatalf("message %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

// fataler is what the helpers need of a test: a *testing.T or a *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// plainReader hides every optional interface of a message reader: only
// ReadMsg is left, as a layer without views would have.
type plainReader struct {
	r interface{ ReadMsg() ([]byte, error) }
}

func (p plainReader) ReadMsg() ([]byte, error) { return p.r.ReadMsg() }

// plainWriter hides every optional interface of a message writer, MaxSize
// included: only WriteMsg is left.
type plainWriter struct {
	w interface{ WriteMsg([]byte) error }
}

func (p plainWriter) WriteMsg(msg []byte) error { return p.w.WriteMsg(msg) }
