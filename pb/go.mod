module github.com/framekit/framekit/pb

go 1.23.0

replace github.com/framekit/framekit => ../

require github.com/framekit/framekit v0.0.0

require (
	github.com/libp2p/go-buffer-pool v0.0.2 // indirect
	github.com/libp2p/go-msgio v0.3.0 // indirect
	github.com/multiformats/go-varint v0.1.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
	pgregory.net/rapid v1.3.0 // indirect
)
