# Mercurial decodes no floats.
> server
> 1 1 stream-begin command-request new \xf9\x3c\x00
raise CBORDecodeError: command request payload cannot be decoded: CBOR decode error: special type 25 not allowed
> state
state idle receiving=[] active=[] streams=[1]
