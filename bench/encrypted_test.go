package bench

// TODO(encrypted): BenchmarkEncrypted — the encrypted framer against raw
// AES-GCM Seal/Open at 64 KiB (issue 6). It waits for the encrypted layer,
// which another branch is adding to frame/; nothing here measures it yet.
// Planned names, benchstat-ready like the rest:
//
//	BenchmarkEncrypted/op=write/size=64KiB/impl=framekit-encrypted
//	BenchmarkEncrypted/op=write/size=64KiB/impl=aes-gcm-seal
//	BenchmarkEncrypted/op=read/size=64KiB/impl=framekit-encrypted
//	BenchmarkEncrypted/op=read/size=64KiB/impl=aes-gcm-open
//
// with b.SetBytes(64 KiB) and b.ReportAllocs(), the raw side sealing into and
// opening from a reused buffer with the same key and nonce scheme.
