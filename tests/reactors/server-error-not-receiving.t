# A continuation for an unknown request while another is receiving.
> server
> 1 1 stream-begin command-request new|more \xa1
wantframe state=command-receiving
> 5 1 0 command-request continuation \xa1
error received frame for request that is not receiving: 5
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[1] active=[] streams=[1]
