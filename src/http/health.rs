//! `/healthz`: 200 when the store answers a read, 503 otherwise (for load balancers and
//! systemd/container health checks).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{HttpState, plain};

/// A store that takes longer than this to answer a read is not healthy.
const READ_DEADLINE: Duration = Duration::from_secs(5);

pub async fn handle(State(state): State<Arc<HttpState>>) -> Response {
    let store = state.store.clone();
    let read = tokio::task::spawn_blocking(move || store.read().and_then(|r| r.domains()).is_ok());
    match tokio::time::timeout(READ_DEADLINE, read).await {
        Ok(Ok(true)) => plain(StatusCode::OK, "ok\n"),
        _ => {
            tracing::warn!("/healthz: the store did not answer a read");
            plain(StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n")
        }
    }
}
