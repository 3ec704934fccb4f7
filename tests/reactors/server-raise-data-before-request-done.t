# Command data ending before the request frames do: ProgrammingError from a peer input.
> server
> 1 1 stream-begin command-request new|more|have-data \xa1Dname
wantframe state=command-receiving
> 1 1 0 command-data eos data
raise ProgrammingError: should not be called without requestdone set
> state
state errored receiving=[1] active=[] streams=[1]
