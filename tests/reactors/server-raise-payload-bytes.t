# A byte string holding "name" and "args": TypeError on subscript, after the request became active.
> server
> 1 1 stream-begin command-request new cbor:b'name args'
raise TypeError: command request payload is not a map: it decodes to a Python bytes
> state
state idle receiving=[] active=[1] streams=[1]
