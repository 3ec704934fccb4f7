# A frame on a stream that has not begun.
> server
> 1 1 0 command-request new cbor:{b'name': b'a'}
error received frame on unknown inactive stream without beginning of stream flag set
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[] active=[] streams=[1]
