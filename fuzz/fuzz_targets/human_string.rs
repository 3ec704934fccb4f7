#![no_main]
//! The `human_string` target: hgframe::fuzzing::human_string (replayed by tests/fuzz_regressions.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| hgframe::fuzzing::human_string(data));
