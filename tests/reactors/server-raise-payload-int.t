# A request payload that is an integer: TypeError on `in`.
> server
> 1 1 stream-begin command-request new cbor:5
raise TypeError: command request payload is not a map: it decodes to a Python int
> state
state idle receiving=[] active=[] streams=[1]
