#![no_main]
//! The `header` target: hgframe::fuzzing::header (replayed by tests/fuzz_regressions.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| hgframe::fuzzing::header(data));
