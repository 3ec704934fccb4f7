# A request map without "name".
> server
> 1 1 stream-begin command-request new cbor:{b'args': {}}
error command request missing "name" field
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[] active=[] streams=[1]
