# A single-send client flushed twice before the first flush's frames were pulled: the requests are still pending, and the second send is refused.
> client
> callcommand b'a', {}
request 1
noop
> autoconsume off
> flushcommands
sendframes g0
> flushcommands
raise ProgrammingError: sends cannot be performed on this instance
> state
requests [1=pending] active=[] pending=[1] streams=[]
> consume g0
  frame 1 1 stream-begin command-request new cbor:{b'name': b'a'}
  end
> state
requests [1=sent] active=[1] pending=[] streams=[]
