# The later revision's server: settings cut over two streams, a command with a redirect, the response calls it lacks, and settings that come too late.
# oracle: skip (the later revision, which the seed does not speak: vectors/0006/server/ check these against 7.2.4)
> server hg-framing-0006
> 0 1 stream-begin sender-protocol-settings continuation \xa1Pcontent
wantframe state=protocol-settings-receiving
> 0 3 stream-begin sender-protocol-settings eos encodings\x81Dzlib
wantframe state=idle
> state
state idle receiving=[] active=[] streams=[1, 3]
> 1 3 0 command-request new cbor:{b'name': b'heads', b'redirect': {b'targets': [b'cdn']}}
runcommand request=1 name=b'heads' args={} data=None redirect={b'targets': [b'cdn']}
> makeoutputstream
stream 2
> oncommandresponseready 2, 1, b'x'
raise AttributeError: oncommandresponseready is not in hg-framing-0006: its responses are objects
> onservererror 2, 1, b'failed'
sendframes g0
  frame 1 2 stream-begin error-response 0 cbor:{b'message': [{b'msg': b'failed'}], b'type': b'server'}
  end
> 0 1 stream-begin sender-protocol-settings eos cbor:{}
error expected command request frame; got 8
