# A frame type other than request or data while receiving.
> server
> 1 1 stream-begin command-request new|more \xa1Dname
wantframe state=command-receiving
> 1 1 0 text-output 0 
error received unexpected frame type: 6
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[1] active=[] streams=[1]
