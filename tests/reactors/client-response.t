# Response frames: responsedata per frame; eos ends the request.
> client
> callcommand b'a', {}
request 1
noop
> flushcommands
sendframes g0
  frame 1 1 stream-begin command-request new cbor:{b'name': b'a'}
  end
> 1 2 stream-begin command-response continuation cbor:{b'status': b'ok'}
responsedata request=1 expectmore=True eos=False data=b'\xa1FstatusBok'
> state
requests [1=receiving] active=[1] pending=[] streams=[2]
> 1 2 0 command-response 0 part
responsedata request=1 expectmore=False eos=False data=b'part'
> 1 2 0 command-response eos last
responsedata request=1 expectmore=False eos=True data=b'last'
> state
requests [1=received] active=[] pending=[] streams=[2]
> 1 2 0 command-response eos late
error received frame for inactive request ID: 1
