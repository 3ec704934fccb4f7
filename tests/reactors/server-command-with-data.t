# Command data follows the request frames; data frames build up the data.
> server
> 1 1 stream-begin command-request new|have-data cbor:{b'name': b'pushkey'}
wantframe state=command-receiving
> 1 1 0 command-data continuation first 
wantframe state=command-receiving
> 1 1 0 command-data continuation second 
wantframe state=command-receiving
> state
state command-receiving receiving=[1] active=[] streams=[1]
> 1 1 0 command-data eos third
runcommand request=1 name=b'pushkey' args={} data=b'first second third'
