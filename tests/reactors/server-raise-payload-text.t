# Mercurial decodes no text strings.
> server
> 1 1 stream-begin command-request new cbor:{u'name': b'a'}
raise CBORDecodeError: command request payload cannot be decoded: CBOR decode error: string major type not supported
> state
state idle receiving=[] active=[] streams=[1]
