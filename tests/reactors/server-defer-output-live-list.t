# The end-of-input generator reads the live list: a response added while it is consumed still goes out.
> server deferoutput
> 1 1 stream-begin command-request new cbor:{b'name': b'a'}
runcommand request=1 name=b'a' args={} data=None
> 3 1 0 command-request new cbor:{b'name': b'b'}
runcommand request=3 name=b'b' args={} data=None
> oncommandresponseready 2, 1, b'one'
noop
> autoconsume off
> oninputeof
sendframes g0
> consume g0, 1
  frame 1 2 stream-begin command-response eos \xa1FstatusBokone
> oncommandresponseready 2, 3, b'two'
noop
> consume g0
  frame 3 2 0 command-response eos \xa1FstatusBoktwo
  end
> state
state idle receiving=[] active=[] streams=[1]
