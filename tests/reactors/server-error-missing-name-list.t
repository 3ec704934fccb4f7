# A request that decodes to a list without the name.
> server
> 1 1 stream-begin command-request new cbor:[b'nom']
error command request missing "name" field
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[] active=[] streams=[1]
