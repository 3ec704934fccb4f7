# Command data for a request that announced none.
> server
> 1 1 stream-begin command-request new|more \xa1Dname
wantframe state=command-receiving
> 1 1 0 command-data eos data
error received command data frame for request that is not expecting data: 1
> 1 1 stream-begin command-request new cbor:{b'name': b'after'}
error server already errored
> state
state errored receiving=[1] active=[] streams=[1]
