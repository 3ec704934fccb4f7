# Command data: have-data on the request frames, then data frames.
> client
> callcommand b'push', {b'k': b'v'}, b'some data'
request 1
noop
> callcommand b'empty', None, b''
request 3
noop
> flushcommands
sendframes g0
  frame 1 1 stream-begin command-request new|have-data cbor:{b'args': {b'k': b'v'}, b'name': b'push'}
  frame 1 1 0 command-data eos some data
  frame 3 1 0 command-request new|have-data cbor:{b'name': b'empty'}
  frame 3 1 0 command-data eos 
  end
