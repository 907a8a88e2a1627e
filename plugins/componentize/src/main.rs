//! mailsift-componentize: turn core wasm modules built with the plugin SDK into validated
//! WebAssembly components.
//!
//! Usage: mailsift-componentize CORE.wasm OUT.wasm [CORE.wasm OUT.wasm ...]
//!
//! For each pair: reads the core module (which carries the `filter` world's component-type
//! section that wit-bindgen embeds), encodes it as a component with `wit-component`, validates
//! the result, checks that it exports the `filter` world's functions, and writes OUT.wasm only if
//! its contents changed (so an unchanged plugin keeps its mtime and the server's hot reload is
//! not triggered). Exits non-zero if any pair fails.

use std::path::Path;
use std::process::ExitCode;

use wit_component::{ComponentEncoder, DecodedWasm};

/// Exports every plugin component must have (the `filter` world of mailsift:plugin@0.1.2).
const REQUIRED_EXPORTS: &[&str] = &["info", "filter", "check-recipient", "learn"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args.len() % 2 != 0 || args.iter().any(|a| a == "-h" || a == "--help") {
        eprintln!("usage: mailsift-componentize CORE.wasm OUT.wasm [CORE.wasm OUT.wasm ...]");
        return ExitCode::from(2);
    }
    let mut failed = 0;
    for pair in args.chunks(2) {
        match componentize(Path::new(&pair[0]), Path::new(&pair[1])) {
            Ok(status) => println!("{status}"),
            Err(e) => {
                eprintln!("error: {}: {e}", pair[0]);
                failed += 1;
            }
        }
    }
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn componentize(input: &Path, output: &Path) -> Result<String, String> {
    let core = std::fs::read(input).map_err(|e| format!("cannot read: {e}"))?;
    let component = ComponentEncoder::default()
        .module(&core)
        .map_err(|e| format!("not a plugin core module: {e:#}"))?
        .validate(true)
        .encode()
        .map_err(|e| format!("cannot make a component: {e:#}"))?;
    check_world(&component)?;

    let unchanged = std::fs::read(output).map(|old| old == component).unwrap_or(false);
    if !unchanged {
        if let Some(dir) = output.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        // Write to a temporary file and rename, so a server watching the folder never loads a
        // half-written component.
        let tmp = output.with_extension("wasm.tmp");
        std::fs::write(&tmp, &component).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, output).map_err(|e| format!("cannot write {}: {e}", output.display()))?;
    }
    Ok(format!(
        "{:<10} {} ({} bytes, core module {} bytes)",
        if unchanged { "unchanged" } else { "wrote" },
        output.display(),
        component.len(),
        core.len()
    ))
}

/// The component must target mailsift:plugin's `filter` world: check its exports by name.
fn check_world(component: &[u8]) -> Result<(), String> {
    let decoded = wit_component::decode(component).map_err(|e| format!("cannot decode the component: {e:#}"))?;
    let (resolve, world) = match decoded {
        DecodedWasm::Component(resolve, world) => (resolve, world),
        DecodedWasm::WitPackage(..) => return Err("decoded as a WIT package, not a component".into()),
    };
    let world = &resolve.worlds[world];
    let exports: Vec<String> = world.exports.keys().map(|k| resolve.name_world_key(k)).collect();
    let missing: Vec<&str> =
        REQUIRED_EXPORTS.iter().copied().filter(|e| !exports.iter().any(|x| x == e)).collect();
    if !missing.is_empty() {
        return Err(format!(
            "does not export the mailsift:plugin filter world (missing {}; has {})",
            missing.join(", "),
            exports.join(", ")
        ));
    }
    Ok(())
}
