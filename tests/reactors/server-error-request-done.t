# More request frames after the last one (the request waits for data).
> server
> 1 1 stream-begin command-request new|have-data cbor:{b'name': b'a'}
wantframe state=command-receiving
> 1 1 0 command-request continuation|have-data \xa0
error received command request frame when request frames were supposedly done
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[1] active=[] streams=[1]
