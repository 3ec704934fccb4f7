# A one-frame command request runs at once; args default to {}.
> server
> 1 1 stream-begin command-request new cbor:{b'name': b'mycommand'}
runcommand request=1 name=b'mycommand' args={} data=None
> state
state idle receiving=[] active=[1] streams=[1]
> 3 1 0 command-request new cbor:{b'name': b'other', b'args': {b'key': b'value', b'n': 5}}
runcommand request=3 name=b'other' args={b'key': b'value', b'n': 5} data=None
> state
state idle receiving=[] active=[1, 3] streams=[1]
