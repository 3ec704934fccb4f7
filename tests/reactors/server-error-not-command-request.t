# An idle server wants a command request first.
> server
> 1 1 stream-begin command-data eos data
error expected command request frame; got 2
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[] active=[] streams=[1]
