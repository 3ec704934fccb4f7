#![no_main]
//! The `py_literal` target: hgframe::fuzzing::py_literal (replayed by tests/fuzz_regressions.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| hgframe::fuzzing::py_literal(data));
