# The encoded stream flag: ProgrammingError, and the server is errored.
> server
> 1 1 stream-begin|encoded command-request new cbor:{b'name': b'a'}
raise ProgrammingError: support for decoding stream payloads not yet implemented
> state
state errored receiving=[] active=[] streams=[1]
> 1 1 0 command-request new cbor:{b'name': b'a'}
error server already errored
