//! What mail leaving for other servers gets at the moment it is queued: a DKIM signature of its
//! From domain when that is one of ours with a key (`auth::sign`), so the outbound engine sends
//! the queue as it is; and the SRS secret (`srs`) for forwarded mail and its bounces.

use std::sync::Arc;

use super::DeliveryPlan;
use crate::config::SrsConfig;
use crate::srs::Srs;
use crate::store::{DkimKey, KvWrite, ReadTx, Store, StoreError};

/// Where a generated SRS secret is kept when `[srs] secret` is not set (the store's key-value
/// table, under a name no plugin can have: plugin names are file stems without dots).
const SRS_KV: (&str, &str) = ("mailsift.srs", "secret");

/// The DKIM keys of `raw`'s From domain, when it is one of ours with a key; `None` otherwise.
fn signing_keys(read: &ReadTx, raw: &[u8]) -> Result<Option<(String, Vec<DkimKey>)>, StoreError> {
    let Some(domain) = crate::auth::sign::from_domain(raw) else {
        return Ok(None);
    };
    // RSA first, then the optional Ed25519 key (RFC 8463 §4: signers add Ed25519 next to RSA).
    let keys: Vec<DkimKey> = read
        .domain(&domain)?
        .map(|d| d.dkim.into_iter().chain(d.dkim_ed25519).collect())
        .unwrap_or_default();
    Ok((!keys.is_empty()).then_some((domain, keys)))
}

fn signed(read: &ReadTx, raw: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(signing_keys(read, raw)?
        .map(|(domain, keys)| crate::auth::sign::sign_message(&keys, &domain, raw.to_vec())))
}

/// Signs what `plan` sends out: the messages Sieve and the pipeline made (redirects, vacation
/// replies, notifications, DSNs) in place, and returns the signed copy of `raw` for the outbound
/// recipients (`None`: no outbound recipients, or nothing to sign with). Runs on a blocking
/// thread (RSA signing is CPU work).
pub async fn sign(
    store: &Store,
    mut plan: DeliveryPlan,
    raw: Vec<u8>,
) -> Result<(DeliveryPlan, Vec<u8>, Option<Vec<u8>>), StoreError> {
    if plan.outbound.is_empty() && plan.messages.is_empty() {
        return Ok((plan, raw, None));
    }
    let store = store.clone();
    super::spawn_blocking(move || {
        let read = store.read()?;
        for m in &mut plan.messages {
            if let Some(s) = signed(&read, &m.raw)? {
                m.raw = s;
            }
        }
        let out = if plan.outbound.is_empty() {
            None
        } else {
            signed(&read, &raw)?
        };
        Ok((plan, raw, out))
    })
    .await
    .map_err(|e| StoreError::NotFound(format!("signing task failed: {e}")))?
}

/// The SRS rules from `[srs]`; the secret generated and stored on first use when none is
/// configured. `None` when SRS is disabled.
pub async fn srs_from_config(
    config: &SrsConfig,
    store: &Store,
) -> Result<Option<Arc<Srs>>, StoreError> {
    if !config.enabled {
        return Ok(None);
    }
    let secret = if config.secret.is_empty() {
        let kept = store.read()?.plugin_kv_get(SRS_KV.0, SRS_KV.1)?;
        match kept {
            Some(s) if !s.is_empty() => s,
            _ => {
                let s = crate::srs::generate_secret().into_bytes();
                let write = KvWrite {
                    plugin: SRS_KV.0.into(),
                    key: SRS_KV.1.into(),
                    value: Some(s.clone()),
                    delta: None,
                };
                store
                    .write(move |tx| tx.plugin_kv_apply(std::slice::from_ref(&write)))
                    .await?;
                tracing::info!(
                    "generated an SRS secret (kept in the store; set [srs] secret to choose one)"
                );
                s
            }
        }
    } else {
        config.secret.clone().into_bytes()
    };
    let previous: Vec<&[u8]> = config
        .previous_secrets
        .iter()
        .map(|s| s.as_bytes())
        .collect();
    Ok(Some(Arc::new(Srs::new(
        &secret,
        &previous,
        config.max_age_days,
    ))))
}
