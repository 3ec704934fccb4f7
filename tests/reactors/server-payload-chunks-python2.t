# oracle: skip (Python 2 semantics: the oracle runs Python 3, where this raises TypeError; confirmed against the seed under Python 2.7 with Mercurial 4.8)
# A chunk of a top-level indefinite byte string goes through bytes(), which is str() in Python 2: None becomes the chunk b'None', which holds no "name".
> server
> 1 1 stream-begin command-request new \x5f\xf6\xff
error command request missing "name" field
> state
state errored receiving=[] active=[] streams=[1]
