# Responses must go to even streams.
> server
> 1 1 stream-begin command-request new cbor:{b'name': b'a'}
runcommand request=1 name=b'a' args={} data=None
> oncommandresponseready 3, 1, b'x'
raise ProgrammingError: server should only write to even numbered streams; 3 is not even
> oncommandresponsereadygen 3, 1, [b'x']
raise ProgrammingError: server should only write to even numbered streams; 3 is not even
> onservererror 3, 1, b'x'
raise ProgrammingError: server should only write to even numbered streams; 3 is not even
> oncommanderror 3, 1, b'x'
raise ProgrammingError: server should only write to even numbered streams; 3 is not even
> state
state idle receiving=[] active=[1] streams=[1]
