# A response for a request that is not active: the frames go out, then KeyError.
> server
> oncommandresponseready 2, 7, b'x'
sendframes g0
  frame 7 2 stream-begin command-response eos \xa1FstatusBokx
  raise KeyError: response frames were produced for request 7, which is not active
> 1 1 stream-begin command-request new cbor:{b'name': b'a'}
runcommand request=1 name=b'a' args={} data=None
> oncommandresponseready 2, 1, b'x'
sendframes g1
  frame 1 2 0 command-response eos \xa1FstatusBokx
  end
> oncommandresponseready 2, 1, b'again'
sendframes g2
  frame 1 2 0 command-response eos \xa1FstatusBokagain
  raise KeyError: response frames were produced for request 1, which is not active
