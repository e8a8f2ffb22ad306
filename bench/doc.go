// Package bench compares framekit with go-msgio v0.3.0 and hand-written
// framing loops: byte-exact interop tests and benchmarks. It is its own module
// so that the library's go.mod never depends on go-msgio.
package bench
