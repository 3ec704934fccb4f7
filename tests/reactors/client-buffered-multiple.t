# Buffered with multiple sends: flush as often as needed.
> client hasmultiplesend
> callcommand b'a', {}
request 1
noop
> flushcommands
sendframes g0
  frame 1 1 stream-begin command-request new cbor:{b'name': b'a'}
  end
> callcommand b'b', {}
request 3
noop
> callcommand b'c', {}
request 5
noop
> flushcommands
sendframes g1
  frame 3 1 0 command-request new cbor:{b'name': b'b'}
  frame 5 1 0 command-request new cbor:{b'name': b'c'}
  end
> state
requests [1=sent, 3=sent, 5=sent] active=[1, 3, 5] pending=[] streams=[]
