module github.com/framekit/framekit

go 1.23.0

require (
	github.com/multiformats/go-varint v0.1.0
	github.com/rogpeppe/go-internal v1.14.1
	golang.org/x/exp v0.0.0-20250620022241-b7579e27df2b
	pgregory.net/rapid v1.3.0
)

require (
	golang.org/x/sys v0.33.0 // indirect
	golang.org/x/tools v0.34.0 // indirect
)
