# Chunks of a top-level indefinite byte string go through Python's bytes(): a negative integer is a ValueError, a huge one an OverflowError, None a TypeError, True one zero byte.
> server
> 1 1 stream-begin command-request new \x5f\x20\xff
raise ValueError: command request payload cannot be decoded: a negative integer chunk in an indefinite-length byte string
> 3 1 0 command-request new \x5f\x1b\xff\xff\xff\xff\xff\xff\xff\xff\xff
raise OverflowError: command request payload cannot be decoded: an integer chunk too large to be a length
> 5 1 0 command-request new \x5f\xf6\xff
raise TypeError: command request payload cannot be decoded: a None chunk in an indefinite-length byte string
> 7 1 0 command-request new \x5f\xf5\xff
error command request missing "name" field
> state
state errored receiving=[] active=[] streams=[1]
