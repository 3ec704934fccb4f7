#![no_main]
//! The `stream_decoder` target: hgframe::fuzzing::stream_decoder (replayed by tests/fuzz_regressions.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| hgframe::fuzzing::stream_decoder(data));
