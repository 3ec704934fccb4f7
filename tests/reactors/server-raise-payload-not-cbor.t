# A request payload Mercurial cannot decode: the request is dropped, the server keeps serving.
> server
> 1 1 stream-begin command-request new \xff
raise CBORDecodeError: command request payload cannot be decoded: CBOR decode error: unhandled special state: 5
> state
state idle receiving=[] active=[] streams=[1]
> 3 1 0 command-request new cbor:{b'name': b'a'}
runcommand request=3 name=b'a' args={} data=None
