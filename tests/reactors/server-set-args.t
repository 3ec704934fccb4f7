# Args may be any value Mercurial decodes, sets included.
> server
> 1 1 stream-begin command-request new cbor:{b'name': b'a', b'args': {1, b'x'}}
runcommand request=1 name=b'a' args={1, b'x'} data=None
> 3 1 0 command-request new cbor:{b'name': 7, b'args': [None, True]}
runcommand request=3 name=7 args=[None, True] data=None
