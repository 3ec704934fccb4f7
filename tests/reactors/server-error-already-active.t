# A request id reused while its response is pending.
> server
> 1 1 stream-begin command-request new cbor:{b'name': b'a'}
runcommand request=1 name=b'a' args={} data=None
> 1 1 0 command-request new cbor:{b'name': b'a'}
error request with ID 1 is already active
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[] active=[1] streams=[1]
