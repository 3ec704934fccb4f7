# expectmore and eos come from the frame flags as they are.
> client
> callcommand b'a', {}
request 1
noop
> flushcommands
sendframes g0
  frame 1 1 stream-begin command-request new cbor:{b'name': b'a'}
  end
> 1 2 stream-begin command-response continuation|eos both
responsedata request=1 expectmore=True eos=True data=b'both'
> state
requests [1=received] active=[] pending=[] streams=[2]
