# A frame for a request that is not active: unknown, or not yet sent.
> client
> callcommand b'a', {}
request 1
noop
> 3 2 stream-begin command-response eos x
error received frame for inactive request ID: 3
> 1 2 0 command-response eos x
error received frame for inactive request ID: 1
> state
requests [1=pending] active=[] pending=[1] streams=[2]
