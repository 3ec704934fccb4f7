# A response from chunks: the first data frame has no flags, a final empty eos frame follows.
> server
> 1 1 stream-begin command-request new cbor:{b'name': b'a'}
runcommand request=1 name=b'a' args={} data=None
> 3 1 0 command-request new cbor:{b'name': b'b'}
runcommand request=3 name=b'b' args={} data=None
> oncommandresponsereadygen 2, 1, [b'foo', b'bar']
sendframes g0
  frame 1 2 stream-begin command-response continuation cbor:{b'status': b'ok'}
  frame 1 2 0 command-response 0 foobar
  frame 1 2 0 command-response eos 
  end
> oncommandresponsereadygen 2, 3, []
sendframes g1
  frame 3 2 0 command-response continuation cbor:{b'status': b'ok'}
  frame 3 2 0 command-response continuation|eos 
  end
> state
state idle receiving=[] active=[] streams=[1]
