//! Running the real `mailsift` binary from integration tests.

use std::path::Path;

/// Runs `mailsift --config CONFIG ARGS…`: (exit status, stdout, stderr).
pub fn mailsift(config: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mailsift"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .expect("run the mailsift binary");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
