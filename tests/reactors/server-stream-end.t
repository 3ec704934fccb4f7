# stream-end closes a client stream: its next frame must begin it again.
> server
> 1 1 stream-begin|stream-end command-request new cbor:{b'name': b'a'}
runcommand request=1 name=b'a' args={} data=None
> state
state idle receiving=[] active=[1] streams=[]
> 3 1 stream-begin command-request new cbor:{b'name': b'b'}
runcommand request=3 name=b'b' args={} data=None
> state
state idle receiving=[] active=[1, 3] streams=[1]
> 5 1 0 command-request new cbor:{b'name': b'c'}
runcommand request=5 name=b'c' args={} data=None
