# The encoded stream flag: ProgrammingError, after the stream was registered.
> client
> callcommand b'a', {}
request 1
noop
> flushcommands
sendframes g0
  frame 1 1 stream-begin command-request new cbor:{b'name': b'a'}
  end
> 1 2 stream-begin|encoded command-response eos x
raise ProgrammingError: support for decoding stream payloads not yet implemneted
> state
requests [1=sent] active=[1] pending=[] streams=[2]
> 1 2 0 command-response eos x
responsedata request=1 expectmore=False eos=True data=b'x'
