module github.com/framekit/framekit/pb

go 1.23.0

replace github.com/framekit/framekit => ../

require (
	github.com/framekit/framekit v0.0.0
	github.com/libp2p/go-msgio v0.3.0
	google.golang.org/protobuf v1.36.12
	pgregory.net/rapid v1.3.0
)

require (
	github.com/multiformats/go-varint v0.1.0 // indirect
	golang.org/x/exp v0.0.0-20250620022241-b7579e27df2b // indirect
)
