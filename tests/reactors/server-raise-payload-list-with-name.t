# A list holding b"name" but not b"args": TypeError on item assignment, before the request is active.
> server
> 1 1 stream-begin command-request new cbor:[b'name']
raise TypeError: command request payload is not a map: it decodes to a Python list
> state
state idle receiving=[] active=[] streams=[1]
