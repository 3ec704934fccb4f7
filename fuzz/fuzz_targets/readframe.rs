#![no_main]
//! The `readframe` target: hgframe::fuzzing::readframe (replayed by tests/fuzz_regressions.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| hgframe::fuzzing::readframe(data));
