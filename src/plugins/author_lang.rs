//! `mailsift plugin new --lang python|javascript` and `plugin build` for those projects.
//!
//! A project carries the helper layer (`mailsift.py` / `mailsift.js`, the files of
//! plugins/examples embedded here), a minimal plugin (`app.py` / `app.js`) and a copy of the WIT.
//! `build` runs componentize-py / componentize-js with the options of
//! scripts/build-lang-plugins.sh (see its header for why: the server grants plugins no WASI).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

const PY_HELPER: &str = include_str!("../../plugins/examples/python/mailsift.py");
const JS_HELPER: &str = include_str!("../../plugins/examples/javascript/mailsift.js");

/// The checkout's toolchains (scripts/setup-plugin-langs.sh), tried before PATH;
/// MAILSIFT_LANG_TOOLS names another folder of the same layout.
const CHECKOUT_TOOLS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.tools");

fn tools_dir() -> PathBuf {
    std::env::var_os("MAILSIFT_LANG_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(CHECKOUT_TOOLS))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Rust,
    Python,
    JavaScript,
}

impl Lang {
    pub fn parse(s: &str) -> anyhow::Result<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "rust" | "rs" => Ok(Lang::Rust),
            "python" | "py" => Ok(Lang::Python),
            "javascript" | "js" => Ok(Lang::JavaScript),
            other => bail!("--lang {other}: supported: rust, python, javascript"),
        }
    }

    /// The project's language from its files: Cargo.toml, app.py / pyproject.toml,
    /// package.json / app.js.
    pub fn detect(dir: &Path) -> Option<Lang> {
        if dir.join("Cargo.toml").is_file() {
            Some(Lang::Rust)
        } else if dir.join("app.py").is_file() {
            Some(Lang::Python)
        } else if dir.join("package.json").is_file() || dir.join("app.js").is_file() {
            Some(Lang::JavaScript)
        } else {
            None
        }
    }
}

/// Writes a Python or JavaScript project into DIR (default `./NAME`); never overwrites.
pub fn new_project(name: &str, lang: Lang, dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    super::author::check_name(name)?;
    let dir = dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(name));
    if dir.exists() && std::fs::read_dir(&dir)?.next().is_some() {
        bail!("{} exists and is not empty", dir.display());
    }
    std::fs::create_dir_all(dir.join("wit"))
        .with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(dir.join("wit/plugin.wit"), super::author::WIT)?;
    let header = super::author::header_name(name);
    match lang {
        Lang::Python => {
            std::fs::write(dir.join("mailsift.py"), PY_HELPER)?;
            std::fs::write(dir.join("app.py"), python_app(name, &header))?;
            std::fs::write(
                dir.join("pyproject.toml"),
                format!(
                    "[project]\nname = \"{name}\"\nversion = \"0.1.0\"\n\
                     description = \"A Mailsift plugin: adds {header}\"\n"
                ),
            )?;
            std::fs::write(
                dir.join(".gitignore"),
                "/*.wasm\n__pycache__/\n/wit_world/\n",
            )?;
        }
        Lang::JavaScript => {
            // The example's helper imports nothing relative, so it is copied unchanged.
            std::fs::write(dir.join("mailsift.js"), JS_HELPER)?;
            std::fs::write(dir.join("app.js"), js_app(name, &header))?;
            std::fs::write(
                dir.join("package.json"),
                serde_json::to_string_pretty(&serde_json::json!({
                    "name": name,
                    "version": "0.1.0",
                    "description": format!("A Mailsift plugin: adds {header}"),
                    "type": "module",
                    "main": "app.js",
                    "private": true,
                }))? + "\n",
            )?;
            std::fs::write(dir.join(".gitignore"), "/*.wasm\n/node_modules/\n")?;
        }
        Lang::Rust => bail!("Rust projects are written by author::new_rust"),
    }
    Ok(dir)
}

fn python_app(name: &str, header: &str) -> String {
    let func = name.replace('-', "_");
    format!(
        r#""""{name}: a Mailsift plugin. It adds the header `{header}: seen` to every message.

Build:   mailsift plugin build          (writes {name}.wasm)
Install: copy {name}.wasm into the server's plugin folder; it is loaded without a restart.

The plugin is a function from a message to a verdict; mailsift.py is the helper layer
(keep, reject, tempfail, discard, header, config, kv, log). The build pre-initialises the
interpreter and stubs out WASI: do not print, read files, the clock or `random` in the filter.
"""

import mailsift


@mailsift.plugin(name="{name}", version="0.1.0", description="Adds {header}")
def {func}(msg: mailsift.Message) -> mailsift.Verdict:
    mailsift.log.debug(f"{name} saw a message of {{msg.raw_size}} bytes")
    # Refuse instead:  return mailsift.reject(554, "5.7.0", "Message refused")
    return mailsift.keep().header("{header}", "seen")


WitWorld = mailsift.world()
"#
    )
}

fn js_app(name: &str, header: &str) -> String {
    format!(
        r#"// {name}: a Mailsift plugin. It adds the header `{header}: seen` to every message.
//
// Build:   mailsift plugin build          (writes {name}.wasm)
// Install: copy {name}.wasm into the server's plugin folder; it is loaded without a restart.
//
// The plugin is a function from a message to a verdict; mailsift.js is the helper layer
// (keep, reject, tempfail, discard, config, kv, log). The build disables stdio, random and clocks.
import {{ plugin, keep, log }} from "./mailsift.js";

function stamp(msg) {{
    log.debug(`{name} saw a message of ${{msg.rawSize}} bytes`);
    // Refuse instead:  return reject(554, "5.7.0", "Message refused");
    return keep().header("{header}", "seen");
}}

export const {{ info, filter, checkRecipient, learn, traits }} = plugin(
    {{ name: "{name}", version: "0.1.0", description: "Adds {header}" }},
    stamp,
);
"#
    )
}

/// A toolchain program: the checkout's `.tools/REL` first, then NAME on PATH.
fn find_tool(rel: &str, name: &str) -> Option<PathBuf> {
    let local = tools_dir().join(rel);
    if local.is_file() {
        return Some(local);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn missing_tool(name: &str, package: &str, lang: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "{name} not found (neither in {} nor on PATH). Install it with \
         scripts/setup-plugin-langs.sh {lang} in a Mailsift checkout, or: {package}",
        tools_dir().display()
    )
}

/// The plugin's name for the output file: pyproject.toml / package.json, else the folder's.
fn project_name(dir: &Path, lang: Lang) -> String {
    let from_file = match lang {
        Lang::Python => std::fs::read_to_string(dir.join("pyproject.toml"))
            .ok()
            .and_then(|s| s.parse::<toml::Table>().ok())
            .and_then(|t| t.get("project")?.get("name")?.as_str().map(str::to_string)),
        Lang::JavaScript => std::fs::read(dir.join("package.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["name"].as_str().map(str::to_string)),
        Lang::Rust => None,
    };
    from_file
        .filter(|n| super::author::check_name(n).is_ok())
        .or_else(|| {
            std::fs::canonicalize(dir)
                .ok()?
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "plugin".to_string())
}

/// `mailsift plugin build` for a Python or JavaScript project. Returns the component written.
pub fn build(dir: &Path, lang: Lang, out: Option<&Path>) -> anyhow::Result<PathBuf> {
    let dir = std::fs::canonicalize(dir).with_context(|| format!("{}", dir.display()))?;
    let target = match out {
        Some(o) => std::path::absolute(o)?,
        None => dir.join(format!("{}.wasm", project_name(&dir, lang))),
    };
    // The project's own WIT copy when present, else the interface embedded in this binary.
    let wit_dir = dir.join("wit");
    if !wit_dir.join("plugin.wit").is_file() {
        std::fs::create_dir_all(&wit_dir)?;
        std::fs::write(wit_dir.join("plugin.wit"), super::author::WIT)?;
    }
    // Built next to the target, then renamed: a watching server never loads a partial file.
    let tmp = target.with_extension("wasm.tmp");
    let mut cmd = match lang {
        Lang::Python => {
            let tool = find_tool("py/bin/componentize-py", "componentize-py").ok_or_else(|| {
                missing_tool("componentize-py", "pip install componentize-py", "python")
            })?;
            eprintln!("==> {} componentize --stub-wasi app", tool.display());
            let mut c = Command::new(tool);
            c.args(["-d", "wit", "-w", "filter", "componentize", "--stub-wasi"])
                .args(["-p", ".", "app", "-o"])
                .arg(&tmp);
            c
        }
        Lang::JavaScript => {
            let tool = find_tool("js/node_modules/.bin/componentize-js", "componentize-js")
                .ok_or_else(|| {
                    missing_tool(
                        "componentize-js",
                        "npm install @bytecodealliance/componentize-js @bytecodealliance/jco",
                        "javascript",
                    )
                })?;
            if !dir.join("app.js").is_file() {
                bail!("{} has no app.js", dir.display());
            }
            eprintln!(
                "==> {} app.js -d stdio random clocks http fetch-event",
                tool.display()
            );
            // componentize-js reads the WIT through WASI with paths relative to the working
            // directory, hence relative paths from the project folder.
            let mut c = Command::new(tool);
            c.args(["app.js", "-w", "wit/plugin.wit", "-n", "filter"])
                .args([
                    "-d",
                    "stdio",
                    "random",
                    "clocks",
                    "http",
                    "fetch-event",
                    "-o",
                ])
                .arg(&tmp);
            c
        }
        Lang::Rust => bail!("Rust projects are built by author::build"),
    };
    let status = cmd
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .status()
        .context("cannot run the componentizer")?;
    if !status.success() {
        let _ = std::fs::remove_file(&tmp);
        bail!("componentizing {} failed ({status})", dir.display());
    }
    std::fs::rename(&tmp, &target).with_context(|| format!("cannot write {}", target.display()))?;
    let size = std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
    eprintln!("==> wrote {} ({size} bytes)", target.display());
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_and_javascript_projects() {
        let tmp = tempfile::tempdir().unwrap();
        let py = new_project("my-stamp", Lang::Python, Some(&tmp.path().join("py"))).unwrap();
        assert_eq!(Lang::detect(&py), Some(Lang::Python));
        assert_eq!(project_name(&py, Lang::Python), "my-stamp");
        let app = std::fs::read_to_string(py.join("app.py")).unwrap();
        assert!(app.contains("def my_stamp(") && app.contains("\"X-My-Stamp\", \"seen\""));
        assert_eq!(
            std::fs::read_to_string(py.join("mailsift.py")).unwrap(),
            PY_HELPER
        );
        assert_eq!(
            std::fs::read_to_string(py.join("wit/plugin.wit")).unwrap(),
            super::super::author::WIT
        );
        assert!(new_project("my-stamp", Lang::Python, Some(&py)).is_err());

        let js = new_project("stamp", Lang::JavaScript, Some(&tmp.path().join("js"))).unwrap();
        assert_eq!(Lang::detect(&js), Some(Lang::JavaScript));
        assert_eq!(project_name(&js, Lang::JavaScript), "stamp");
        let app = std::fs::read_to_string(js.join("app.js")).unwrap();
        assert!(app.contains("from \"./mailsift.js\"") && app.contains("\"X-Stamp\", \"seen\""));
        assert!(Lang::parse("cobol").is_err());
        // componentize-js resolves `mailsift:plugin/x@VERSION` against the WIT: the helper must
        // import the version the server implements (bump both together).
        let version = super::super::author::WIT
            .lines()
            .find_map(|l| l.strip_prefix("package mailsift:plugin@"))
            .and_then(|v| v.strip_suffix(';'))
            .unwrap();
        for line in JS_HELPER
            .lines()
            .filter(|l| l.contains("from \"mailsift:plugin/"))
        {
            assert!(
                line.contains(&format!("@{version}\"")),
                "{line}: expected @{version}"
            );
        }
        assert_eq!(Lang::parse("js").unwrap(), Lang::JavaScript);
    }
}
