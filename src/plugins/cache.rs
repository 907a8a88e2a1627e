//! The on-disk cache of precompiled plugins: compiling a component takes 80–150 ms, loading its
//! precompiled form about 1 ms, which matters at start and on every hot reload of a known file.
//!
//! The key is SHA-256 over the engine fingerprint (wasmtime version, compiler flags, tunables,
//! pool settings) and the component's bytes, so a cached artifact is only ever loaded by an
//! engine that could have produced it. Loading precompiled code is `unsafe` in wasmtime (it is
//! machine code): only files this cache wrote are loaded, written via a temporary file and an
//! atomic rename, and checked against the SHA-256 of their contents recorded beside them.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;

use super::PluginError;
use super::engine::PluginEngine;

pub struct ArtifactCache {
    dir: PathBuf,
    fingerprint: String,
}

/// The cache key of a component for an engine fingerprint.
pub fn cache_key(fingerprint: &str, component: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"mailsift-plugin-cache/1\0");
    h.update(fingerprint.as_bytes());
    h.update(b"\0");
    h.update(Sha256::digest(component));
    hex::encode(h.finalize())
}

impl ArtifactCache {
    pub fn new(dir: &Path, engine: &PluginEngine) -> std::io::Result<ArtifactCache> {
        std::fs::create_dir_all(dir)?;
        Ok(ArtifactCache {
            dir: dir.to_path_buf(),
            fingerprint: engine.fingerprint.clone(),
        })
    }

    fn paths(&self, key: &str) -> (PathBuf, PathBuf) {
        (
            self.dir.join(format!("{key}.cwasm")),
            self.dir.join(format!("{key}.sha256")),
        )
    }

    /// The compiled component, from the cache or freshly compiled (and then cached). The bool
    /// says whether it came from the cache.
    pub fn load_or_compile(
        &self,
        engine: &PluginEngine,
        bytes: &[u8],
    ) -> Result<(Component, bool), PluginError> {
        let key = cache_key(&self.fingerprint, bytes);
        if let Some(component) = self.load(engine, &key) {
            return Ok((component, true));
        }
        let artifact = engine
            .engine
            .precompile_component(bytes)
            .map_err(|e| PluginError::Compile(format!("{e:#}")))?;
        // Safety: `artifact` was produced just now by this engine.
        let component = unsafe { Component::deserialize(engine.engine(), &artifact) }
            .map_err(|e| PluginError::Compile(format!("{e:#}")))?;
        if let Err(e) = self.store(&key, &artifact) {
            tracing::warn!(error = %e, dir = %self.dir.display(), "cannot write the plugin cache");
        }
        Ok((component, false))
    }

    fn load(&self, engine: &PluginEngine, key: &str) -> Option<Component> {
        let (artifact_path, sum_path) = self.paths(key);
        let artifact = std::fs::read(&artifact_path).ok()?;
        let sum = std::fs::read_to_string(&sum_path).ok()?;
        if hex::encode(Sha256::digest(&artifact)) != sum.trim() {
            tracing::warn!(file = %artifact_path.display(), "plugin cache entry damaged; recompiling");
            let _ = std::fs::remove_file(&artifact_path);
            return None;
        }
        // Safety: the file was written by `store` below from `precompile_component` output of
        // an engine with the same fingerprint (the key), and its checksum matches.
        match unsafe { Component::deserialize(engine.engine(), &artifact) } {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(file = %artifact_path.display(), error = %e, "plugin cache entry refused; recompiling");
                None
            }
        }
    }

    fn store(&self, key: &str, artifact: &[u8]) -> std::io::Result<()> {
        let (artifact_path, sum_path) = self.paths(key);
        let tmp = self.dir.join(format!(".{key}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, artifact)?;
        std::fs::rename(&tmp, &artifact_path)?;
        let tmp = self
            .dir
            .join(format!(".{key}.{}.sum.tmp", std::process::id()));
        std::fs::write(&tmp, hex::encode(Sha256::digest(artifact)))?;
        std::fs::rename(&tmp, &sum_path)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_depends_on_engine_and_bytes() {
        let a = cache_key("wasmtime-48/aaaa", b"component");
        assert_eq!(a, cache_key("wasmtime-48/aaaa", b"component"));
        assert_ne!(a, cache_key("wasmtime-48/bbbb", b"component"));
        assert_ne!(a, cache_key("wasmtime-48/aaaa", b"component2"));
        assert_eq!(a.len(), 64);
    }
}
