//! The admin socket: a Unix socket in the data directory (mode 0600, never on the network) that
//! the running server answers, one JSON request line → one JSON response line.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use std::sync::Arc;

use super::{AdminReply, AdminRequest, execute_with};
use crate::plugins::PluginHost;
use crate::store::Store;

/// Largest request accepted on the socket: room for a Sieve script (`mailsift sieve put`) of
/// any reasonable `[sieve] max_script_size`, JSON-escaped.
const MAX_REQUEST: usize = 16 * 1024 * 1024;

/// One response line: the typed reply, or why the request failed.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminResponse {
    Ok(Box<AdminReply>),
    Error(String),
}

impl AdminResponse {
    pub fn into_result(self) -> Result<AdminReply, String> {
        match self {
            AdminResponse::Ok(reply) => Ok(*reply),
            AdminResponse::Error(e) => Err(e),
        }
    }
}

/// Binds the socket (replacing a stale one) and serves requests until the task is dropped.
pub fn bind(path: &Path) -> std::io::Result<UnixListener> {
    if path.exists() {
        // A live server would hold the database lock, which we already have: the file is stale.
        std::fs::remove_file(path)?;
    }
    let listener = UnixListener::bind(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(listener)
}

pub async fn serve(listener: UnixListener, store: Store, plugins: Option<Arc<PluginHost>>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "admin socket accept failed");
                continue;
            }
        };
        let store = store.clone();
        let plugins = plugins.clone();
        tokio::spawn(async move {
            if let Err(e) = handle(stream, store, plugins).await {
                tracing::debug!(error = %e, "admin connection ended");
            }
        });
    }
}

async fn handle(
    stream: UnixStream,
    store: Store,
    plugins: Option<Arc<PluginHost>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read).take(MAX_REQUEST as u64);
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let response = match serde_json::from_str::<AdminRequest>(&line) {
        Ok(request) => {
            tracing::info!(request = %request.summary(), "admin request");
            match execute_with(&store, plugins.as_ref(), request).await {
                Ok(reply) => AdminResponse::Ok(Box::new(reply)),
                Err(e) => AdminResponse::Error(e.to_string()),
            }
        }
        Err(e) => AdminResponse::Error(format!("bad admin request: {e}")),
    };
    let mut out = serde_json::to_vec(&response).map_err(std::io::Error::other)?;
    out.push(b'\n');
    write.write_all(&out).await?;
    write.shutdown().await
}

/// Sends one request to a running server. `Ok(None)` when no server listens on `path`.
pub async fn request(
    path: &Path,
    request: &AdminRequest,
) -> std::io::Result<Option<AdminResponse>> {
    let stream = match UnixStream::connect(path).await {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let (read, mut write) = stream.into_split();
    let mut line = serde_json::to_vec(request).map_err(std::io::Error::other)?;
    line.push(b'\n');
    write.write_all(&line).await?;
    let mut reader = BufReader::new(read);
    let mut response = String::new();
    reader.read_line(&mut response).await?;
    serde_json::from_str(&response)
        .map(Some)
        .map_err(|e| std::io::Error::other(format!("bad response from the server: {e}")))
}
