# A client frame on an even stream.
> server
> 1 2 stream-begin command-request new cbor:{b'name': b'a'}
error received frame with even numbered stream ID: 2
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[] active=[] streams=[1]
