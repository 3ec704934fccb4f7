# A frame type without a handler: ProgrammingError, after the request became receiving.
> client
> callcommand b'a', {}
request 1
noop
> flushcommands
sendframes g0
  frame 1 1 stream-begin command-request new cbor:{b'name': b'a'}
  end
> 1 2 stream-begin text-output 0 cbor:[]
raise ProgrammingError: unhandled frame type: 6
> state
requests [1=receiving] active=[1] pending=[] streams=[2]
