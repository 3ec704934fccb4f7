# Flushing with nothing buffered is a noop and spends nothing.
> client
> flushcommands
noop
> callcommand b'a', {}
request 1
noop
> flushcommands
sendframes g0
  frame 1 1 stream-begin command-request new cbor:{b'name': b'a'}
  end
