# A top-level indefinite byte string: each chunk is a value; the first is searched for "name".
> server
> 1 1 stream-begin command-request new \x5fDnameDargs\xff
raise TypeError: command request payload is not a map: it decodes to a Python bytes
> state
state idle receiving=[] active=[] streams=[1]
