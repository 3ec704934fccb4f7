# Both new and continuation.
> server
> 1 1 stream-begin command-request new|continuation cbor:{b'name': b'a'}
error received command request frame with both new and continuation flags set
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[] active=[] streams=[1]
