# A continuation for an active request while another is receiving.
> server
> 1 1 stream-begin command-request new cbor:{b'name': b'a'}
runcommand request=1 name=b'a' args={} data=None
> 3 1 0 command-request new|more \xa1
wantframe state=command-receiving
> 1 1 0 command-request continuation \xa1
error received frame for request that is still active: 1
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[3] active=[1] streams=[1]
