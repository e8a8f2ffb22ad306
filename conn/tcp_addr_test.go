package conn

import (
	"net"
	"net/netip"
	"testing"
)

// stringAddr is a net.Addr of another kind, known only by its text.
type stringAddr string

func (a stringAddr) Network() string { return "test" }
func (a stringAddr) String() string  { return string(a) }

// TestAddrPortOf checks the conversion NewTCPStream applies to the peer's
// address. Addresses from real sockets are covered by TestTCPRemoteAddress;
// these are the forms a socket on this machine cannot be made to produce.
func TestAddrPortOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		addr net.Addr
		want string // "" for ok == false
	}{
		// net.ParseIP keeps IPv4 in 16-byte form, as an IPv4 peer on an
		// IPv6 socket is reported: it must come back as plain IPv4.
		{"ipv4 in 16 bytes", &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 80}, "127.0.0.1:80"},
		{"ipv4 in 4 bytes", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1).To4(), Port: 80}, "127.0.0.1:80"},
		{"ipv6", &net.TCPAddr{IP: net.IPv6loopback, Port: 443}, "[::1]:443"},
		{"ipv6 zone kept", &net.TCPAddr{IP: net.ParseIP("fe80::1"), Port: 7, Zone: "lo"}, "[fe80::1%lo]:7"},
		{"udp", &net.UDPAddr{IP: net.ParseIP("::ffff:127.0.0.1"), Port: 9}, "127.0.0.1:9"},
		{"other with ip", stringAddr("[::ffff:127.0.0.1]:5"), "127.0.0.1:5"},
		{"no ip", &net.TCPAddr{Port: 80}, ""},
		{"nil tcp addr", (*net.TCPAddr)(nil), ""},
		{"nil udp addr", (*net.UDPAddr)(nil), ""},
		{"nil", nil, ""},
		{"unix", &net.UnixAddr{Name: "/run/x.sock", Net: "unix"}, ""},
		{"pipe", stringAddr("pipe"), ""},
	} {
		got, ok := addrPortOf(tc.addr)
		switch {
		case tc.want == "" && ok:
			t.Errorf("%s: got %v, true; want false", tc.name, got)
		case tc.want != "" && (!ok || got != netip.MustParseAddrPort(tc.want)):
			t.Errorf("%s: got %v, %v; want %s", tc.name, got, ok, tc.want)
		}
		if ok && got.Addr().Is4In6() {
			t.Errorf("%s: %v is still IPv4-mapped", tc.name, got)
		}
	}
}
