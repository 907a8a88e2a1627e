//! SECURITY.md states the real defaults: every table row whose first two cells are a config key
//! and a TOML value in backticks (`| \`limits.max_message_size\` | \`52428800\` | ... |`) is
//! compared with `Config::default()`, so a changed default cannot leave the document behind.

use super::Config;

/// The text between the backticks of a whole cell.
fn code(cell: &str) -> Option<&str> {
    cell.trim().strip_prefix('`')?.strip_suffix('`')
}

#[test]
fn security_md_states_the_real_defaults() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/SECURITY.md");
    let text = std::fs::read_to_string(path).expect("SECURITY.md at the repository root");
    let defaults = toml::Value::try_from(Config::default()).expect("the defaults serialize");
    let mut checked = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let cells: Vec<&str> = line.split('|').collect();
        if !line.starts_with('|') || cells.len() < 4 {
            continue;
        }
        let (Some(key), Some(stated)) = (code(cells[1]), code(cells[2])) else {
            continue;
        };
        let mut actual = &defaults;
        for part in key.split('.') {
            actual = actual
                .get(part)
                .unwrap_or_else(|| panic!("SECURITY.md:{}: `{key}` is not a config key", n + 1));
        }
        let stated: toml::Table = toml::from_str(&format!("v = {stated}"))
            .unwrap_or_else(|e| panic!("SECURITY.md:{}: `{stated}` is not TOML: {e}", n + 1));
        assert_eq!(
            Some(actual),
            stated.get("v"),
            "SECURITY.md:{}: the default of `{key}`",
            n + 1
        );
        checked.push(key.to_string());
    }
    // The tables exist and were read (a format change must not turn this test into a no-op).
    for key in [
        "limits.max_message_size",
        "limits.max_connections_per_ip",
        "auth_throttle.ip_ban_after",
        "plugins.cpu_ms",
        "plugins.memory_mb",
        "sieve.cpu",
    ] {
        assert!(
            checked.iter().any(|k| k == key),
            "{key} not in SECURITY.md's tables"
        );
    }
}
