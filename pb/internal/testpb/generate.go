// Package testpb holds the protobuf messages that package pb's tests,
// benchmarks and examples send: Identify, shaped like libp2p's identify
// message, and Record, with a field of every wire type.
package testpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative testpb.proto
