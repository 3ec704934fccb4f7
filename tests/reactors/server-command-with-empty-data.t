# An empty eos data frame gives empty data, not None.
> server
> 1 1 stream-begin command-request new|have-data cbor:{b'name': b'x'}
wantframe state=command-receiving
> 1 1 0 command-data eos 
runcommand request=1 name=b'x' args={} data=b''
