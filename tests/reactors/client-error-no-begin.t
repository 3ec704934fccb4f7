# A frame on a stream that has not begun.
> client
> callcommand b'a', {}
request 1
noop
> flushcommands
sendframes g0
  frame 1 1 stream-begin command-request new cbor:{b'name': b'a'}
  end
> 1 2 0 command-response eos x
error received frame on unknown stream without beginning of stream flag set
> state
requests [1=sent] active=[1] pending=[] streams=[]
