# The same request id twice while receiving.
> server
> 1 1 stream-begin command-request new|more \xa1
wantframe state=command-receiving
> 1 1 0 command-request new cbor:{b'name': b'a'}
error request with ID 1 already received
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[1] active=[] streams=[1]
