#![no_main]
//! The `server_reactor` target: hgframe::fuzzing::server_reactor (replayed by tests/fuzz_regressions.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| hgframe::fuzzing::server_reactor(data));
