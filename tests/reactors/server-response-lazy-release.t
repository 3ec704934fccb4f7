# Frames are produced lazily: the request stays active until its frames are exhausted.
> server
> 1 1 stream-begin command-request new cbor:{b'name': b'a'}
runcommand request=1 name=b'a' args={} data=None
> autoconsume off
> oncommandresponseready 2, 1, b'response'
sendframes g0
> state
state idle receiving=[] active=[1] streams=[1]
> consume g0, 1
  frame 1 2 stream-begin command-response eos \xa1FstatusBokresponse
> state
state idle receiving=[] active=[1] streams=[1]
> consume g0
  end
> state
state idle receiving=[] active=[] streams=[1]
> consume g0
  end
