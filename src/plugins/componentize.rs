//! Core wasm module → plugin component, inside the `mailsift` binary (`mailsift plugin build`).
//!
//! A core module built with the plugin SDK carries the `filter` world's component-type section
//! that wit-bindgen embeds; `wit-component` encodes it as a component. The result is validated
//! and checked to export the `filter` world's functions before it is written.

use std::path::Path;

use wit_component::{ComponentEncoder, DecodedWasm};

/// Exports every plugin component must have (the `filter` world of `mailsift:plugin`).
const REQUIRED_EXPORTS: &[&str] = &["info", "filter", "check-recipient", "learn"];

#[derive(Debug, thiserror::Error)]
pub enum ComponentizeError {
    #[error("not a plugin core module (was it built with mailsift-plugin-sdk?): {0}")]
    NotAPlugin(String),
    #[error("cannot make a component: {0}")]
    Encode(String),
    #[error("does not export the mailsift:plugin filter world: {0}")]
    WrongWorld(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Encodes `core` as a validated component of the `filter` world.
pub fn componentize(core: &[u8]) -> Result<Vec<u8>, ComponentizeError> {
    let component = ComponentEncoder::default()
        .module(core)
        .map_err(|e| ComponentizeError::NotAPlugin(format!("{e:#}")))?
        .validate(true)
        .encode()
        .map_err(|e| ComponentizeError::Encode(format!("{e:#}")))?;
    check_world(&component)?;
    Ok(component)
}

/// Writes `component` to `output` unless it already holds exactly these bytes (so a server
/// watching the folder is not made to reload an unchanged plugin). Returns whether it wrote.
pub fn write_component(component: &[u8], output: &Path) -> Result<bool, ComponentizeError> {
    if std::fs::read(output).is_ok_and(|old| old == component) {
        return Ok(false);
    }
    let err = |path: &Path| {
        let path = path.display().to_string();
        move |source| ComponentizeError::Write { path, source }
    };
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err(dir))?;
    }
    // Temporary file + rename: a watching server never loads a half-written component.
    let tmp = output.with_extension("wasm.tmp");
    std::fs::write(&tmp, component).map_err(err(&tmp))?;
    std::fs::rename(&tmp, output).map_err(err(output))?;
    Ok(true)
}

fn check_world(component: &[u8]) -> Result<(), ComponentizeError> {
    let decoded = wit_component::decode(component)
        .map_err(|e| ComponentizeError::WrongWorld(format!("{e:#}")))?;
    let (resolve, world) = match decoded {
        DecodedWasm::Component(resolve, world) => (resolve, world),
        DecodedWasm::WitPackage(..) => {
            return Err(ComponentizeError::WrongWorld(
                "decoded as a WIT package, not a component".into(),
            ));
        }
    };
    let world = &resolve.worlds[world];
    let exports: Vec<String> = world
        .exports
        .keys()
        .map(|k| resolve.name_world_key(k))
        .collect();
    let missing: Vec<&str> = REQUIRED_EXPORTS
        .iter()
        .copied()
        .filter(|e| !exports.iter().any(|x| x == e))
        .collect();
    if !missing.is_empty() {
        return Err(ComponentizeError::WrongWorld(format!(
            "missing {}; has {}",
            missing.join(", "),
            exports.join(", ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_without_the_world_is_refused() {
        // A valid, empty core module: no component-type section, so no world.
        let core = b"\0asm\x01\0\0\0";
        assert!(componentize(core).is_err());
        assert!(componentize(b"not wasm").is_err());
    }
}
