package errs_test

import (
	"errors"
	"fmt"
	"io"

	"github.com/framekit/framekit/errs"
)

func Example() {
	// A reader got 3 bytes of a 10-byte body before the stream ended.
	var err error = &errs.IncompleteReadError{Expected: 10, Received: 3, Part: errs.ErrMissingMessage}

	var incomplete *errs.IncompleteReadError
	if errors.As(err, &incomplete) {
		fmt.Println("received", incomplete.Received, "of", incomplete.Expected)
	}
	fmt.Println(errors.Is(err, errs.ErrMissingMessage), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, errs.ErrIO))
	fmt.Println(err)
	// Output:
	// received 3 of 10
	// true true true
	// framekit: stream ended inside a message body: expected 10 bytes but received 3
}
