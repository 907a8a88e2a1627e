#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| promotions_core::fuzzing::message(data));
