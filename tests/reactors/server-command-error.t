# oncommanderror: one eos frame with the error map; args only when truthy.
> server
> 1 1 stream-begin command-request new cbor:{b'name': b'a'}
runcommand request=1 name=b'a' args={} data=None
> 3 1 0 command-request new cbor:{b'name': b'b'}
runcommand request=3 name=b'b' args={} data=None
> oncommanderror 2, 1, b'failed %s', [b'arg']
sendframes g0
  frame 1 2 stream-begin command-response eos cbor:{b'error': {b'args': [b'arg'], b'message': b'failed %s'}, b'status': b'error'}
  end
> oncommanderror 2, 3, b'failed', []
sendframes g1
  frame 3 2 0 command-response eos cbor:{b'error': {b'message': b'failed'}, b'status': b'error'}
  end
> state
state idle receiving=[] active=[] streams=[1]
