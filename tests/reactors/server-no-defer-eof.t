# Without deferoutput, end of input is always a noop.
> server
> 1 1 stream-begin command-request new cbor:{b'name': b'a'}
runcommand request=1 name=b'a' args={} data=None
> oninputeof
noop
