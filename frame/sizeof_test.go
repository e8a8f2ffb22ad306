package frame

import "unsafe"

func unsafeSizeof[T any](p *T) uintptr { return unsafe.Sizeof(*p) }
