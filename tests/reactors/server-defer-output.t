# With deferoutput, responses wait for the end of input and go out in order.
> server deferoutput
> 1 1 stream-begin command-request new cbor:{b'name': b'a'}
runcommand request=1 name=b'a' args={} data=None
> 3 1 0 command-request new cbor:{b'name': b'b'}
runcommand request=3 name=b'b' args={} data=None
> oncommandresponseready 2, 1, b'one'
noop
> oncommanderror 4, 3, b'two'
noop
> state
state idle receiving=[] active=[1, 3] streams=[1]
> oninputeof
sendframes g0
  frame 1 2 stream-begin command-response eos \xa1FstatusBokone
  frame 3 4 stream-begin command-response eos cbor:{b'error': {b'message': b'two'}, b'status': b'error'}
  end
> state
state idle receiving=[] active=[] streams=[1]
> oninputeof
sendframes g1
  end
