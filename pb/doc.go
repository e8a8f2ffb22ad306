// Package pb reads and writes protobuf messages over framekit message
// streams, one protobuf message per framekit message: the length-delimited
// protobufs that go-libp2p's protocols (identify, autonat, circuit relay)
// speak through go-msgio's pbio, and that google.golang.org/protobuf's
// encoding/protodelim reads and writes.
//
// Over a frame.Framer[codec.Uvarint] the bytes on the wire are exactly those
// of pbio's delimited writer and of protodelim.MarshalTo, and either of their
// readers reads what Write sends; over any other codec, or over package
// secure's encrypted layer, the protobuf bytes are the same inside that
// layer's frames.
//
//	f := frame.New[codec.Uvarint](c, frame.WithMaxSize(1<<20))
//	err := pb.Write(f, &hello)    // marshalled straight into the frame
//	err = pb.Read(f, &reply)      // unmarshalled from the Framer's buffer
//
// Reads unmarshal from the reader's own memory when it lends a view
// (frame.MsgViewReader, which a Framer and the encrypted layer are): the body
// is not copied, and nothing is allocated beyond what proto.Unmarshal
// allocates for the message's fields. Writes marshal in place, into the
// frame that goes out, when the writer builds messages in place
// (frame.MsgFuncWriter): no intermediate buffer.
//
// Limits and errors are the stream's: the Framer refuses a declared length
// above its maximum before it sets memory aside, reports a stream cut inside
// a frame exactly, and ends a clean stream with io.EOF, and Read returns
// these errors as they are. What pb adds is the *UnmarshalError of a body
// that is not a valid protobuf, after which the stream is still in step.
package pb
