#![no_main]
//! The `cbor_decode` target: hgframe::fuzzing::cbor_decode (replayed by tests/fuzz_regressions.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| hgframe::fuzzing::cbor_decode(data));
