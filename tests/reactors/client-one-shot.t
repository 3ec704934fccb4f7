# Without hasmultiplesend, one flush is all: no more commands, no more sends.
> client
> callcommand b'a', {}
request 1
noop
> flushcommands
sendframes g0
  frame 1 1 stream-begin command-request new cbor:{b'name': b'a'}
  end
> callcommand b'b', {}
raise ProgrammingError: cannot issue new commands
> flushcommands
noop
> state
requests [1=sent] active=[1] pending=[] streams=[]
