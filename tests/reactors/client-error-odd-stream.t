# Server frames come on even streams; an odd one is an error, and nothing changes.
> client
> callcommand b'a', {}
request 1
noop
> flushcommands
sendframes g0
  frame 1 1 stream-begin command-request new cbor:{b'name': b'a'}
  end
> 1 1 stream-begin command-response eos x
error received frame with odd numbered stream ID: 1
> state
requests [1=sent] active=[1] pending=[] streams=[]
> 1 2 stream-begin command-response eos x
responsedata request=1 expectmore=False eos=True data=b'x'
