# Neither new nor continuation.
> server
> 1 1 stream-begin command-request 0 cbor:{b'name': b'a'}
error received command request frame with neither new nor continuation flags set
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[] active=[] streams=[1]
