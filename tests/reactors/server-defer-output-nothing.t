# End of input with nothing buffered is a noop.
> server deferoutput
> oninputeof
noop
> 1 1 stream-begin command-request new cbor:{b'name': b'a'}
runcommand request=1 name=b'a' args={} data=None
> oninputeof
noop
