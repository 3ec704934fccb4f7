# A request split over three frames waits for its last frame.
> server
> 1 1 stream-begin command-request new|more \xa2Dargs\xa1CkeyCval
wantframe state=command-receiving
> state
state command-receiving receiving=[1] active=[] streams=[1]
> 1 1 0 command-request continuation|more DnameDc
wantframe state=command-receiving
> 1 1 0 command-request continuation md1
runcommand request=1 name=b'cmd1' args={b'key': b'val'} data=None
> state
state idle receiving=[] active=[1] streams=[1]
