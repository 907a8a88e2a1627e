//! `/.well-known/acme-challenge/{token}`: the key authorization of a pending HTTP-01 challenge
//! (RFC 8555 §8.3), published by the ACME client in the shared `Http01Challenges`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{HttpState, plain};

/// Tokens are base64url (RFC 8555 §8.1: at least 128 bits of entropy); anything else is not ours.
fn valid_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 256
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn handle(State(state): State<Arc<HttpState>>, Path(token): Path<String>) -> Response {
    let answer = if valid_token(&token) {
        state.challenges.get(&token)
    } else {
        None
    };
    match answer {
        Some(key_authorization) => {
            tracing::info!(token = %token, "answered an ACME HTTP-01 challenge");
            (
                StatusCode::OK,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                )],
                key_authorization,
            )
                .into_response()
        }
        None => plain(StatusCode::NOT_FOUND, "no such challenge\n"),
    }
}
