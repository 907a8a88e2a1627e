#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    // `check_script` catches panics of the sieve-rs compiler (its `debug_assert!`s, which the
    // fuzz build enables) and refuses the script: the server never panics on them. libFuzzer's
    // hook would abort before that catch, so the default hook is put back; a panic that escapes
    // `check_script` still aborts (libfuzzer-sys catches it at the target's edge) and is a crash.
    init: {
        let _ = std::panic::take_hook();
    },
    |data: &[u8]| mailsift::fuzzing::sieve_compile(data)
);
