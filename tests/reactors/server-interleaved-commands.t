# Two requests received at once, frames interleaved; state stays command-receiving until both are done.
> server
> 1 1 stream-begin command-request new|more \xa1Dname
wantframe state=command-receiving
> 3 1 0 command-request new|have-data cbor:{b'name': b'second'}
wantframe state=command-receiving
> 1 1 0 command-request continuation Cone
runcommand request=1 name=b'one' args={} data=None
> state
state command-receiving receiving=[3] active=[1] streams=[1]
> 3 1 0 command-data eos data
runcommand request=3 name=b'second' args={} data=b'data'
> state
state idle receiving=[] active=[1, 3] streams=[1]
