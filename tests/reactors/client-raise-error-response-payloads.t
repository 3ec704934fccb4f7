# Error responses the seed cannot read: the request is already errored and dropped when it raises.
> client hasmultiplesend
> callcommand b'a', {}
request 1
noop
> callcommand b'b', {}
request 3
noop
> callcommand b'c', {}
request 5
noop
> callcommand b'd', {}
request 7
noop
> callcommand b'e', {}
request 9
noop
> flushcommands
sendframes g0
  frame 1 1 stream-begin command-request new cbor:{b'name': b'a'}
  frame 3 1 0 command-request new cbor:{b'name': b'b'}
  frame 5 1 0 command-request new cbor:{b'name': b'c'}
  frame 7 1 0 command-request new cbor:{b'name': b'd'}
  frame 9 1 0 command-request new cbor:{b'name': b'e'}
  end
> 1 2 stream-begin error-response 0 \xff
raise CBORDecodeError: error response payload cannot be decoded: CBOR decode error: unhandled special state: 5
> 3 2 0 error-response 0 
raise IndexError: error response payload is empty
> 5 2 0 error-response 0 cbor:[b'type']
raise TypeError: error response payload is not a map: it decodes to a Python list
> 7 2 0 error-response 0 cbor:{b'message': b'm'}
raise KeyError: error response map has no "type" key
> 9 2 0 error-response 0 cbor:{b'type': b't'}
raise KeyError: error response map has no "message" key
> state
requests [1=errored, 3=errored, 5=errored, 7=errored, 9=errored] active=[] pending=[] streams=[2]
