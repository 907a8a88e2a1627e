//! Tools for plugin authors: `mailsift plugin wit`, `plugin new` and `plugin build`.
//!
//! `new` writes a standalone plugin project (its own `[workspace]` and `[profile.release]`, so it
//! builds anywhere); `build` runs cargo for `wasm32-unknown-unknown` and turns the core module
//! into a component with `componentize` — no separate tool. The toolchain routes are those of
//! `scripts/build-plugins.sh` (see its header): rustup's prebuilt std for the target, else
//! Debian's `rustc-web`/`cargo-web`/`rust-web-src`/`lld` building std from source.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

/// The plugin interface this server implements, embedded so `mailsift plugin wit` works without
/// a checkout.
pub const WIT: &str = include_str!("../../wit/plugin.wit");

const TARGET: &str = "wasm32-unknown-unknown";

/// The SDK of the checkout this binary was built from, used by `plugin new` while the SDK is not
/// on crates.io; a binary built elsewhere (or a moved checkout) depends on the published version.
const CHECKOUT_SDK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/plugins/sdk");
const SDK_VERSION: &str = "0.1";

/// How `plugin new` names the SDK dependency: `path = "…"` when this checkout's SDK exists, else
/// the crates.io version.
pub fn sdk_dependency(sdk: Option<&Path>) -> String {
    let local = sdk
        .map(Path::to_path_buf)
        .or_else(|| Some(PathBuf::from(CHECKOUT_SDK)).filter(|p| p.join("Cargo.toml").is_file()));
    match local {
        // TOML basic string: escape backslashes and quotes of the path.
        Some(p) => format!(
            "mailsift-plugin-sdk = {{ path = \"{}\" }}",
            p.display()
                .to_string()
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
        ),
        None => format!("mailsift-plugin-sdk = \"{SDK_VERSION}\""),
    }
}

/// A plugin name must be a valid cargo package name and a plain file name (`NAME.wasm`).
pub(crate) fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.len() <= 64;
    if !ok {
        bail!("plugin name {name:?}: use letters, digits, '-' and '_', starting with a letter");
    }
    Ok(())
}

/// The header the new plugin adds, e.g. `my-rule` → `X-My-Rule`.
pub(crate) fn header_name(name: &str) -> String {
    let words: Vec<String> = name
        .split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!("X-{}", words.join("-"))
}

/// `mailsift plugin new`: writes DIR (default `./NAME`) with Cargo.toml, src/lib.rs and
/// .gitignore. Refuses to overwrite an existing non-empty folder. Returns the folder.
pub fn new_rust(name: &str, dir: Option<&Path>, sdk: Option<&Path>) -> anyhow::Result<PathBuf> {
    check_name(name)?;
    let dir = dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(name));
    if dir.exists() && std::fs::read_dir(&dir)?.next().is_some() {
        bail!("{} exists and is not empty", dir.display());
    }
    std::fs::create_dir_all(dir.join("src"))
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let header = header_name(name);
    let cargo = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
description = "A Mailsift plugin: adds {header}"
edition = "2021"
publish = false

[lib]
# A WebAssembly module; `mailsift plugin build` turns it into a component ({name}.wasm).
crate-type = ["cdylib"]

[dependencies]
{sdk}

# A project of its own, even when created inside another cargo workspace.
[workspace]

# Plugins are small and abort on panic (the SDK's panic hook reports the message to the server
# log first). `strip = "debuginfo"` keeps function names in trap backtraces.
[profile.release]
opt-level = "s"
lto = true
strip = "debuginfo"
panic = "abort"
codegen-units = 1

[profile.dev]
panic = "abort"
"#,
        sdk = sdk_dependency(sdk),
    );
    let lib = format!(
        r#"//! {name}: a Mailsift plugin. It adds the header `{header}: seen` to every message.
//!
//! Build:   mailsift plugin build          (writes {name}.wasm)
//! Install: copy {name}.wasm into the server's plugin folder; it is loaded without a restart.
//! Try it:  mailsift plugin test {name}.wasm some-message.eml

// The prelude brings the Plugin trait, Message, Verdict, the helper modules (addr, config, kv,
// log, settings) and the logging macros (trace!, debug!, info!, warn!, error!).
use mailsift_plugin_sdk::prelude::*;

/// Each call runs in a fresh instance (unless `traits` returns `PluginTraits::STATELESS`): keep
/// what must survive between messages in `kv`.
struct {ty};

impl Plugin for {ty} {{
    /// Name, version and description come from Cargo.toml.
    fn info() -> PluginInfo {{
        plugin_info!()
    }}

    /// Called once per message at the end of SMTP DATA.
    fn filter(message: &Message) -> Verdict {{
        debug!("{name} saw a message of {{}} bytes", message.raw_size);
        // Refuse instead:  Verdict::reject(554, "5.7.0", "Message refused")
        Verdict::continue_with().header("{header}", "seen")
    }}
}}

export_plugin!({ty});
"#,
        ty = format!("{}Plugin", header[2..].replace('-', "")),
    );
    std::fs::write(dir.join("Cargo.toml"), cargo)?;
    std::fs::write(dir.join("src/lib.rs"), lib)?;
    std::fs::write(dir.join(".gitignore"), "/target\n/*.wasm\n")?;
    Ok(dir)
}

/// How cargo is run for the wasm target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// rustup's toolchain with the target's prebuilt std.
    Rustup,
    /// Debian's rustc-web/cargo-web, std built from rust-web-src (`-Zbuild-std`).
    BuildStd,
}

fn rustup_has_target(dir: &Path) -> bool {
    let Ok(out) = Command::new("rustc")
        .args(["--print", "target-libdir", "--target", TARGET])
        .current_dir(dir)
        .stderr(Stdio::null())
        .output()
    else {
        return false;
    };
    if !out.status.success() {
        return false;
    }
    let libdir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    std::fs::read_dir(libdir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
    })
}

fn debian_route_missing() -> Vec<&'static str> {
    let mut missing = Vec::new();
    if !Path::new("/usr/bin/cargo").is_file() {
        missing.push("cargo-web");
    }
    if !Path::new("/usr/bin/rustc").is_file() {
        missing.push("rustc-web");
    }
    if !Path::new("/usr/lib/rustlib/src/rust/library").is_dir() {
        missing.push("rust-web-src");
    }
    let wasm_ld = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("wasm-ld").is_file()));
    if !wasm_ld {
        missing.push("lld");
    }
    missing
}

/// Picks the route as scripts/build-plugins.sh does (MAILSIFT_PLUGIN_ROUTE forces one), or says
/// what to install. Unlike the script it installs nothing itself.
fn pick_route(dir: &Path) -> anyhow::Result<Route> {
    let wanted = std::env::var("MAILSIFT_PLUGIN_ROUTE").unwrap_or_default();
    let rustup = || rustup_has_target(dir);
    let debian = debian_route_missing();
    match wanted.as_str() {
        "rustup" if rustup() => return Ok(Route::Rustup),
        "build-std" if debian.is_empty() => return Ok(Route::BuildStd),
        "" | "auto" if rustup() => return Ok(Route::Rustup),
        "" | "auto" if debian.is_empty() => return Ok(Route::BuildStd),
        "" | "auto" | "rustup" | "build-std" => {}
        other => bail!("MAILSIFT_PLUGIN_ROUTE={other}: expected rustup, build-std or unset"),
    }
    bail!(
        "no WebAssembly toolchain for {TARGET} found. Install one of:\n  \
         - rustup (https://rustup.rs), then: rustup target add {TARGET}\n  \
         - on Debian/Ubuntu: sudo apt-get install rustc-web cargo-web rust-web-src lld (missing: {})",
        if debian.is_empty() {
            "nothing".to_string()
        } else {
            debian.join(", ")
        }
    )
}

/// `mailsift plugin build`: cargo build for the wasm target in DIR, then componentize every
/// cdylib the build produced into `OUT` (default `DIR/<package>.wasm`). Returns what it wrote.
pub fn build(dir: &Path, out: Option<&Path>) -> anyhow::Result<Vec<PathBuf>> {
    let manifest = dir.join("Cargo.toml");
    if !manifest.is_file() {
        bail!(
            "{} has no Cargo.toml: run `mailsift plugin new NAME` first",
            dir.display()
        );
    }
    let route = pick_route(dir)?;
    let mut cargo = match route {
        Route::Rustup => Command::new("cargo"),
        Route::BuildStd => {
            let mut c = Command::new("/usr/bin/cargo");
            let path = std::env::var("PATH").unwrap_or_default();
            c.env("RUSTC_BOOTSTRAP", "1")
                .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", "wasm-ld")
                .env("RUSTC", "/usr/bin/rustc")
                .env("PATH", format!("/usr/bin:{path}"));
            c
        }
    };
    cargo
        .current_dir(dir)
        .args(["build", "--release", "--target", TARGET])
        .args(["--message-format", "json-render-diagnostics"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if route == Route::BuildStd {
        cargo.arg("-Zbuild-std=std,panic_abort");
    }
    eprintln!(
        "==> cargo build --release --target {TARGET} ({})",
        match route {
            Route::Rustup => "rustup toolchain",
            Route::BuildStd => "Debian toolchain, std built from source",
        }
    );
    let output = cargo
        .output()
        .context("cannot run cargo (is it installed and on PATH?)")?;
    if !output.status.success() {
        bail!("cargo build failed ({})", output.status);
    }
    // The core modules: cargo's `compiler-artifact` messages for cdylib targets, which also
    // follows CARGO_TARGET_DIR and any package name.
    let mut cores: Vec<(String, PathBuf)> = Vec::new();
    for line in output.stdout.split(|b| *b == b'\n') {
        let Ok(msg) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" {
            continue;
        }
        let is_cdylib = msg["target"]["crate_types"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "cdylib"));
        if !is_cdylib {
            continue;
        }
        let name = msg["target"]["name"]
            .as_str()
            .unwrap_or("plugin")
            .to_string();
        for file in msg["filenames"].as_array().into_iter().flatten() {
            if let Some(f) = file.as_str().filter(|f| f.ends_with(".wasm")) {
                cores.push((name.clone(), PathBuf::from(f)));
            }
        }
    }
    if cores.is_empty() {
        bail!("cargo built no wasm module: is crate-type = [\"cdylib\"] in Cargo.toml's [lib]?");
    }
    if out.is_some() && cores.len() > 1 {
        bail!(
            "--out names one file but the build made {} modules",
            cores.len()
        );
    }
    let mut written = Vec::new();
    for (name, core_path) in cores {
        let core = std::fs::read(&core_path)
            .with_context(|| format!("cannot read {}", core_path.display()))?;
        let component = super::componentize::componentize(&core)
            .with_context(|| format!("{}", core_path.display()))?;
        let target = out
            .map(Path::to_path_buf)
            .unwrap_or_else(|| dir.join(format!("{}.wasm", name.replace('_', "-"))));
        let wrote = super::componentize::write_component(&component, &target)?;
        eprintln!(
            "==> {} {} ({} bytes, core module {} bytes)",
            if wrote { "wrote" } else { "unchanged" },
            target.display(),
            component.len(),
            core.len()
        );
        written.push(target);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_headers() {
        assert!(check_name("my-rule").is_ok());
        assert!(check_name("../x").is_err());
        assert!(check_name("").is_err());
        assert!(check_name("1abc").is_err());
        assert_eq!(header_name("my-rule"), "X-My-Rule");
        assert_eq!(header_name("stamp"), "X-Stamp");
    }

    #[test]
    fn wit_is_the_interface() {
        assert!(WIT.contains("package mailsift:plugin@"));
        assert!(WIT.contains("world filter"));
    }

    /// The SDK embeds its own copy of the WIT so it builds outside this repository; it must be
    /// the interface the server implements. After changing wit/plugin.wit:
    /// `cp wit/plugin.wit plugins/sdk/wit/plugin.wit`.
    #[test]
    fn sdk_wit_copy_is_identical() {
        assert!(
            include_str!("../../plugins/sdk/wit/plugin.wit") == WIT,
            "plugins/sdk/wit/plugin.wit differs from wit/plugin.wit: \
             cp wit/plugin.wit plugins/sdk/wit/plugin.wit"
        );
    }

    /// The SDK builds as a dependency anywhere: nothing inherited from the plugins workspace, and
    /// the bindings generated from the copy of the WIT inside the crate.
    #[test]
    fn sdk_is_standalone() {
        let manifest = include_str!("../../plugins/sdk/Cargo.toml");
        let inherits = manifest
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .any(|l| l.contains(".workspace") || l.contains("workspace = true"));
        assert!(!inherits, "plugins/sdk/Cargo.toml inherits workspace keys");
        assert!(manifest.contains("license = \"MIT OR Apache-2.0\""));
        let lib = include_str!("../../plugins/sdk/src/lib.rs");
        assert!(lib.contains("path: \"wit\","));
    }

    #[test]
    fn new_project_is_standalone() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = new_rust("stamp", Some(&tmp.path().join("p")), None).unwrap();
        let cargo = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(!cargo.contains("workspace = true") && !cargo.contains(".workspace"));
        assert!(cargo.contains("[workspace]") && cargo.contains("[profile.release]"));
        assert!(cargo.contains("mailsift-plugin-sdk"));
        let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
        assert!(lib.contains("\"X-Stamp\"") && lib.contains("struct StampPlugin;"));
        // Never overwrites.
        assert!(new_rust("stamp", Some(&dir), None).is_err());
    }
}
