#![no_main]
//! The `client_reactor` target: hgframe::fuzzing::client_reactor (replayed by tests/fuzz_regressions.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| hgframe::fuzzing::client_reactor(data));
