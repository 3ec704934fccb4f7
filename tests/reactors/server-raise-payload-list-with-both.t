# A list holding both names: TypeError after the request became active.
> server
> 1 1 stream-begin command-request new cbor:[b'name', b'args']
raise TypeError: command request payload is not a map: it decodes to a Python list
> state
state idle receiving=[] active=[1] streams=[1]
> 1 1 0 command-request new cbor:{b'name': b'a'}
error request with ID 1 is already active
