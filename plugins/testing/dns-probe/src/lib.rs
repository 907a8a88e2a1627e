//! Test plugin used by the server's tests: looks up the names listed in the `X-Lookup` header
//! (comma-separated; `X-Lookup-Kind: txt` for TXT, A otherwise) in one `dns` request, and
//! reports each answer in a header `X-Dns: NAME=ANSWER|ANSWER` or `X-Dns: NAME!ERROR`.
use mailsift_plugin_sdk::prelude::*;

struct DnsProbe;

impl Plugin for DnsProbe {
    fn info() -> PluginInfo {
        PluginInfo::new("dns-probe", env!("CARGO_PKG_VERSION"))
            .description("Reports dns lookups of the names in X-Lookup")
    }

    fn filter(message: &Message) -> Verdict {
        let names: Vec<String> = message
            .header("X-Lookup")
            .unwrap_or("")
            .split(',')
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        let txt = message
            .header("X-Lookup-Kind")
            .is_some_and(|k| k.trim().eq_ignore_ascii_case("txt"));
        let answers: Vec<Result<Vec<String>, dns::DnsError>> = if txt {
            dns::lookup_txt(&names)
        } else {
            dns::lookup_a(&names)
                .into_iter()
                .map(|r| r.map(|a| a.iter().map(|ip| ip.to_string()).collect()))
                .collect()
        };
        let mut verdict = Verdict::continue_with();
        for (name, answer) in names.iter().zip(answers) {
            let value = match answer {
                Ok(records) => format!("{name}={}", records.join("|")),
                Err(e) => format!("{name}!{}", dns::error_name(e)),
            };
            verdict = verdict.header("X-Dns", value);
        }
        verdict
    }
}

export_plugin!(DnsProbe);
