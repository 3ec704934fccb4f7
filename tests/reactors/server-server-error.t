# onservererror: an error-response frame of type server.
> server
> 1 1 stream-begin command-request new cbor:{b'name': b'a'}
runcommand request=1 name=b'a' args={} data=None
> onservererror 2, 1, b'something broke'
sendframes g0
  frame 1 2 stream-begin error-response 0 cbor:{b'message': [{b'msg': b'something broke'}], b'type': b'server'}
  end
> state
state idle receiving=[] active=[] streams=[1]
