# stream-end closes a server stream.
> client
> callcommand b'a', {}
request 1
noop
> callcommand b'b', {}
request 3
noop
> flushcommands
sendframes g0
  frame 1 1 stream-begin command-request new cbor:{b'name': b'a'}
  frame 3 1 0 command-request new cbor:{b'name': b'b'}
  end
> 1 2 stream-begin|stream-end command-response eos x
responsedata request=1 expectmore=False eos=True data=b'x'
> 3 2 0 command-response eos y
error received frame on unknown stream without beginning of stream flag set
> 3 2 stream-begin command-response eos y
responsedata request=3 expectmore=False eos=True data=b'y'
> state
requests [1=received, 3=received] active=[] pending=[] streams=[2]
