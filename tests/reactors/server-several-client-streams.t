# Odd client streams are independent; each begins once.
> server
> 1 1 stream-begin command-request new cbor:{b'name': b'a'}
runcommand request=1 name=b'a' args={} data=None
> 3 3 stream-begin command-request new cbor:{b'name': b'b'}
runcommand request=3 name=b'b' args={} data=None
> 5 3 0 command-request new cbor:{b'name': b'c'}
runcommand request=5 name=b'c' args={} data=None
> state
state idle receiving=[] active=[1, 3, 5] streams=[1, 3]
