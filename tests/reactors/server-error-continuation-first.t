# A continuation frame for a request never begun.
> server
> 1 1 stream-begin command-request continuation cbor:{b'name': b'a'}
error received command request frame without new flag set
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[] active=[] streams=[1]
