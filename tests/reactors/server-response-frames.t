# A response on an output stream: stream-begin on the first frame of the stream only; the request is released after the last frame.
> server
> 1 1 stream-begin command-request new cbor:{b'name': b'a'}
runcommand request=1 name=b'a' args={} data=None
> 3 1 0 command-request new cbor:{b'name': b'b'}
runcommand request=3 name=b'b' args={} data=None
> makeoutputstream
stream 2
> state
state idle receiving=[] active=[1, 3] streams=[1]
> oncommandresponseready 2, 1, b'first response'
sendframes g0
  frame 1 2 stream-begin command-response eos \xa1FstatusBokfirst response
  end
> state
state idle receiving=[] active=[3] streams=[1]
> oncommandresponseready 2, 3, b'second response'
sendframes g1
  frame 3 2 0 command-response eos \xa1FstatusBoksecond response
  end
> state
state idle receiving=[] active=[] streams=[1]
> makeoutputstream
stream 4
