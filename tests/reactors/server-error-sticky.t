# Once errored, every frame is an error, though the stream checks still come first.
> server
> 1 2 stream-begin command-request new cbor:{b'name': b'a'}
error received frame with even numbered stream ID: 2
> 1 1 stream-begin command-request new cbor:{b'name': b'a'}
error server already errored
> 1 3 0 command-request new cbor:{b'name': b'a'}
error received frame on unknown inactive stream without beginning of stream flag set
> 1 4 stream-begin command-request new cbor:{b'name': b'a'}
error received frame with even numbered stream ID: 4
> oncommandresponseready 2, 1, b'x'
sendframes g0
  frame 1 2 stream-begin command-response eos \xa1FstatusBokx
  raise KeyError: response frames were produced for request 1, which is not active
> state
state errored receiving=[] active=[] streams=[1]
