# Request states advance as frames are pulled, not before.
> client
> callcommand b'first', {}
request 1
noop
> callcommand b'second', {}
request 3
noop
> autoconsume off
> flushcommands
sendframes g0
> state
requests [1=pending, 3=pending] active=[] pending=[1, 3] streams=[]
> consume g0, 1
  frame 1 1 stream-begin command-request new cbor:{b'name': b'first'}
> state
requests [1=sending, 3=pending] active=[1] pending=[3] streams=[]
> consume g0, 1
  frame 3 1 0 command-request new cbor:{b'name': b'second'}
> state
requests [1=sent, 3=sending] active=[1, 3] pending=[] streams=[]
> consume g0
  end
> state
requests [1=sent, 3=sent] active=[1, 3] pending=[] streams=[]
