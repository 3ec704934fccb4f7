# decodeall takes every value and the seed uses the first.
> server
> 1 1 stream-begin command-request new \xa1DnameAa\x01
runcommand request=1 name=b'a' args={} data=None
