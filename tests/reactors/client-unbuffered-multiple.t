# Unbuffered with multiple sends: every call sends.
> client hasmultiplesend nobuffersends
> callcommand b'a', {}
request 1
sendframes g0
  frame 1 1 stream-begin command-request new cbor:{b'name': b'a'}
  end
> callcommand b'b', {}
request 3
sendframes g1
  frame 3 1 0 command-request new cbor:{b'name': b'b'}
  end
> callcommand b'c', {}, b'data'
request 5
sendframes g2
  frame 5 1 0 command-request new|have-data cbor:{b'name': b'c'}
  frame 5 1 0 command-data eos data
  end
> state
requests [1=sent, 3=sent, 5=sent] active=[1, 3, 5] pending=[] streams=[]
