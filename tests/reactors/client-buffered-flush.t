# Buffered sends: commands wait for flushcommands, which sends them in order.
> client
> callcommand b'first', {b'a': 1}
request 1
noop
> callcommand b'second', {}
request 3
noop
> state
requests [1=pending, 3=pending] active=[] pending=[1, 3] streams=[]
> flushcommands
sendframes g0
  frame 1 1 stream-begin command-request new cbor:{b'args': {b'a': 1}, b'name': b'first'}
  frame 3 1 0 command-request new cbor:{b'name': b'second'}
  end
> state
requests [1=sent, 3=sent] active=[1, 3] pending=[] streams=[]
