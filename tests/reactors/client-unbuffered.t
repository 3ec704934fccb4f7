# Unbuffered: callcommand sends at once, and only once without hasmultiplesend.
> client nobuffersends
> callcommand b'a', {b'x': b'y'}
request 1
sendframes g0
  frame 1 1 stream-begin command-request new cbor:{b'args': {b'x': b'y'}, b'name': b'a'}
  end
> callcommand b'b', {}
raise ProgrammingError: cannot issue new commands
> state
requests [1=sent] active=[1] pending=[] streams=[]
