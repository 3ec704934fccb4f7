# An error response decodes the CBOR map and ends the request.
> client
> callcommand b'a', {}
request 1
noop
> flushcommands
sendframes g0
  frame 1 1 stream-begin command-request new cbor:{b'name': b'a'}
  end
> 1 2 stream-begin error-response 0 cbor:{b'type': b'server', b'message': [{b'msg': b'broken'}]}
error request=1 type=b'server' message=[{b'msg': b'broken'}]
> state
requests [1=errored] active=[] pending=[] streams=[2]
