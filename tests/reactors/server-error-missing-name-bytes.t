# A byte string is searched for "name" as a substring.
> server
> 1 1 stream-begin command-request new cbor:b'nothing here'
error command request missing "name" field
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[] active=[] streams=[1]
