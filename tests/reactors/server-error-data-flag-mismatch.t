# The have-data flag must match the first frame.
> server
> 1 1 stream-begin command-request new|more|have-data \xa1Dname
wantframe state=command-receiving
> 1 1 0 command-request continuation Aa
error mismatch between expect data flag and previous frame
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[1] active=[] streams=[1]
