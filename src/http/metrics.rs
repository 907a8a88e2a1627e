//! `/metrics`: the server's metrics in the OpenMetrics text format, for the configured networks
//! only (`[http] metrics_networks`): they show traffic and account activity.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{HttpState, Peer, plain};

/// What `prometheus-client` writes (it ends with `# EOF`). Prometheus asks for it first.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

pub async fn handle(
    State(state): State<Arc<HttpState>>,
    Extension(peer): Extension<Peer>,
) -> Response {
    // An IPv4 client of a dual-stack socket arrives as ::ffff:a.b.c.d.
    let ip = peer.0.ip().to_canonical();
    if !state.http.metrics_networks.iter().any(|n| n.contains(&ip)) {
        tracing::debug!(%ip, "/metrics refused: not in [http] metrics_networks");
        return plain(StatusCode::FORBIDDEN, "forbidden\n");
    }
    let store = state.store.clone();
    // Rendering reads the store's gauges: off the async threads.
    let Ok(text) = tokio::task::spawn_blocking(move || crate::metrics::render(&store)).await else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "metrics failed\n");
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        text,
    )
        .into_response()
}
