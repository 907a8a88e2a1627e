//! Compiling Sieve scripts, with limits, and turning errors into what ManageSieve and the CLI
//! show: the line, the column and the message (RFC 5804 §2.6: a script with an error is refused
//! with a human-readable reason).

use serde::Serialize;
use sieve::{Compiler, Sieve};

pub use crate::values::SieveLimits;

/// Why a script does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("line {line}, column {column}: {message}")]
pub struct ScriptError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A compiler with our limits.
pub fn compiler(limits: &SieveLimits) -> Compiler {
    Compiler::new()
        .with_max_script_size(limits.max_script_size)
        .with_max_includes(limits.max_includes)
}

/// Compiles `script`; the error names the line and column.
pub fn check_script(script: &[u8], limits: &SieveLimits) -> Result<Sieve, ScriptError> {
    if script.len() > limits.max_script_size {
        return Err(ScriptError {
            line: 0,
            column: 0,
            message: format!(
                "script too large ({} bytes, at most {})",
                script.len(),
                limits.max_script_size
            ),
        });
    }
    // sieve-rs checks its own jump table with `debug_assert!`, which some malformed scripts trip
    // (found by fuzzing: fuzz/regressions/sieve_compile/). In a release build the assertion is
    // compiled out and the script merely refused or mis-jumped (its runtime reads instructions
    // with bounds checks); in a debug build it panicked the ManageSieve session. Either way such
    // a script is refused as an error (RFC 5804 §2.6), never a panic.
    let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        compiler(limits).compile(script)
    }));
    let Ok(compiled) = compiled else {
        tracing::warn!("sieve compiler panicked on a script; refused");
        return Err(ScriptError {
            line: 0,
            column: 0,
            message: "the script could not be compiled".into(),
        });
    };
    compiled.map_err(|e| {
        // sieve-rs ends its message with the position, which our format already starts with.
        let text = e.to_string();
        let message = match text.rfind(" at line ") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        ScriptError {
            line: e.line_num(),
            column: e.line_pos(),
            message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fuzzing find (tests/fuzz_corpus.rs, `sieve_compile`): a test without its block made
    /// sieve-rs's compiler trip its internal `debug_assert!`.
    #[test]
    fn a_compiler_panic_is_a_refusal() {
        let script = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fuzz/regressions/sieve_compile/if-without-block-debug-assert"
        ))
        .expect("regression input");
        let _ = check_script(&script, &SieveLimits::default());
    }

    #[test]
    fn errors_name_the_line() {
        let limits = SieveLimits::default();
        assert!(check_script(b"require \"fileinto\";\nfileinto \"Junk\";\n", &limits).is_ok());
        let e = check_script(
            b"require \"fileinto\";\n\nif header :is \"Subject\" {\n  keep;\n}\n",
            &limits,
        )
        .unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        let e = check_script(b"keep;\nfileinto \"x\";\n", &limits).unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let big = vec![b' '; limits.max_script_size + 1];
        assert!(
            check_script(&big, &limits)
                .unwrap_err()
                .message
                .contains("too large")
        );
    }
}
