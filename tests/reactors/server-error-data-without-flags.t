# A data frame without continuation or eos (its data was kept first).
> server
> 1 1 stream-begin command-request new|have-data cbor:{b'name': b'a'}
wantframe state=command-receiving
> 1 1 0 command-data 0 data
error command data frame without flags
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[1] active=[] streams=[1]
