# An empty request payload: IndexError; the request is dropped.
> server
> 1 1 stream-begin command-request new 
raise IndexError: command request payload is empty
> state
state idle receiving=[] active=[] streams=[1]
> 3 1 0 command-request new cbor:{b'name': b'a'}
runcommand request=3 name=b'a' args={} data=None
