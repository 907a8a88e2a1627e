//! Training and evaluating a classifier plugin on labelled messages: `mailsift spam train` and
//! `mailsift spam eval`. Both run the real component through the plugin host (its `learn` and
//! `filter` exports), so what is measured is what the server runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use super::{KvSource, MemoryKv, PluginError, PluginHost, types, view};
use crate::config::Config;
use crate::values::Envelope;

/// A labelled message file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    pub path: PathBuf,
    pub spam: bool,
}

/// Reads a list file: one message per line, `spam PATH` or `ham PATH` (paths relative to the
/// list's folder); blank lines and `#` comments are skipped.
pub fn read_list(list: &Path) -> Result<Vec<Labelled>, String> {
    let text = std::fs::read_to_string(list)
        .map_err(|e| format!("cannot read {}: {e}", list.display()))?;
    let base = list.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (label, path) = line.split_once(char::is_whitespace).ok_or_else(|| {
            format!(
                "{}:{}: expected `spam PATH` or `ham PATH`",
                list.display(),
                i + 1
            )
        })?;
        let spam = match label {
            "spam" => true,
            "ham" => false,
            other => {
                return Err(format!(
                    "{}:{}: unknown label `{other}` (spam or ham)",
                    list.display(),
                    i + 1
                ));
            }
        };
        out.push(Labelled {
            path: base.join(path.trim()),
            spam,
        });
    }
    Ok(out)
}

/// Every file under `paths` (files as given, folders recursively), sorted.
pub fn message_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(p) = stack.pop() {
        let meta = std::fs::metadata(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.is_dir() {
            let entries = std::fs::read_dir(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            for e in entries {
                let e = e.map_err(|e| format!("{}: {e}", p.display()))?;
                stack.push(e.path());
            }
        } else {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// Passes over the training messages by default (`--passes`): the spam plugin's logistic
/// model takes one gradient step per message seen, and needs about 20 passes over a corpus of
/// a few thousand messages to converge (plugins/spam/README.md); its Bayes counts learn each
/// message once whatever the number of passes.
pub const DEFAULT_PASSES: usize = 20;

/// The order in which training visits `n` messages: `passes` passes, each in the same fixed
/// shuffled order, so that spam and ham are interleaved as mail arrives (a logistic model
/// learns badly from one class at a time) and results reproduce from run to run.
pub fn training_order(n: usize, passes: usize) -> Vec<usize> {
    let fnv = |s: &str| {
        s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|i| fnv(&i.to_string()));
    order.iter().copied().cycle().take(n * passes).collect()
}

/// The plugins' view of a message file, addressed to `recipients` (none: the global model).
pub fn view_of(raw: &[u8], queue_id: &str, recipients: Vec<String>) -> types::Message {
    let envelope = Envelope {
        queue_id: queue_id.to_string(),
        mail_from: String::new(),
        recipients,
        helo: String::new(),
        client_ip: std::net::IpAddr::from([0, 0, 0, 0]),
        authenticated_as: None,
        tls: None,
    };
    let parsed = crate::mime::parse(raw);
    view::message(&envelope, raw, parsed.as_ref(), None)
}

/// A host with only `wasm` loaded, keeping its data in `kv`, compiled in a scratch folder.
pub fn standalone_host(
    config: &Config,
    wasm: &Path,
    kv: Arc<dyn KvSource>,
    scratch: &Path,
) -> Result<PluginHost, PluginError> {
    let name = wasm
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("plugin")
        .to_string();
    let mut config = config.clone();
    config.data_dir = scratch.to_path_buf();
    config.plugins.dir = Some(scratch.join("plugins"));
    let dir = config.plugin_dir();
    std::fs::create_dir_all(&dir).map_err(|source| PluginError::Read {
        path: dir.display().to_string(),
        source,
    })?;
    std::fs::copy(wasm, dir.join(format!("{name}.wasm"))).map_err(|source| PluginError::Read {
        path: wasm.display().to_string(),
        source,
    })?;
    let host = PluginHost::new(&config, kv)?;
    host.load_all();
    if host.registry().snapshot().is_empty() {
        return Err(PluginError::Invalid(format!(
            "{} did not load as a plugin (see the log)",
            wasm.display()
        )));
    }
    Ok(host)
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub train_spam: usize,
    pub train_ham: usize,
    pub test_spam: usize,
    pub test_ham: usize,
    /// Spam caught / false positives at the plugin's own threshold (tag `spam`).
    pub true_positives: usize,
    pub false_positives: usize,
    pub precision: f64,
    pub recall: f64,
    pub false_positive_rate: f64,
    pub roc_auc: f64,
    /// The false-positive rate at the lowest score threshold that reaches recall 0.97.
    pub fpr_at_recall_097: f64,
    pub threshold_at_recall_097: f64,
    /// Passes over the training list.
    pub passes: usize,
    /// `learn` calls per second (passes × training messages / time).
    pub learn_per_second: f64,
    pub filter_per_second: f64,
    /// Files that could not be read (skipped, counted).
    pub unreadable: usize,
    /// The misclassified test messages at the plugin's threshold (ham tagged spam, spam not
    /// tagged), with their scores: what to look at to improve the filter.
    pub misclassified: Vec<Misclassified>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Misclassified {
    pub path: PathBuf,
    pub spam: bool,
    pub score: f64,
}

/// Trains a fresh model (in memory) from `train` and scores `test` with the plugin `wasm`.
pub fn evaluate(
    config: &Config,
    wasm: &Path,
    train: &[Labelled],
    test: &[Labelled],
    passes: usize,
    scratch: &Path,
) -> Result<EvalReport, PluginError> {
    let mut reports = evaluate_many(config, wasm, train, &[test.to_vec()], passes, scratch)?;
    Ok(reports.remove(0))
}

/// Trains once from `train`, then scores each of `tests` (a report per test list): several
/// test sets measured with one model, as `scripts/eval-spam.sh` does.
pub fn evaluate_many(
    config: &Config,
    wasm: &Path,
    train: &[Labelled],
    tests: &[Vec<Labelled>],
    passes: usize,
    scratch: &Path,
) -> Result<Vec<EvalReport>, PluginError> {
    let kv = MemoryKv::default();
    let host = standalone_host(config, wasm, Arc::new(kv.clone()), scratch)?;
    let mut train_unreadable = 0;
    let started = Instant::now();
    // Read once: every pass sees the same messages.
    let train_raw: Vec<Option<Vec<u8>>> =
        train.iter().map(|m| std::fs::read(&m.path).ok()).collect();
    train_unreadable += train_raw.iter().filter(|r| r.is_none()).count();
    let order = training_order(train.len(), passes.max(1));
    let learn_calls = order.len();
    for i in order {
        let (m, Some(raw)) = (&train[i], &train_raw[i]) else {
            continue;
        };
        let class = if m.spam {
            types::LearnClass::Spam
        } else {
            types::LearnClass::Ham
        };
        let writes = host.learn(&view_of(raw, &format!("train-{i}"), Vec::new()), class);
        kv.apply(&writes);
    }
    let learn_secs = started.elapsed().as_secs_f64();
    Ok(tests
        .iter()
        .map(|test| {
            score_test(
                &host,
                train,
                test,
                passes,
                learn_calls as f64 / learn_secs.max(1e-9),
                train_unreadable,
            )
        })
        .collect())
}

/// Scores `test` with a trained host.
fn score_test(
    host: &PluginHost,
    train: &[Labelled],
    test: &[Labelled],
    passes: usize,
    learn_per_second: f64,
    mut unreadable: usize,
) -> EvalReport {
    let started = Instant::now();
    let rcpt = vec!["eval@localhost".to_string()];
    let mut scored: Vec<(f64, bool, bool)> = Vec::with_capacity(test.len());
    let mut misclassified = Vec::new();
    for (i, m) in test.iter().enumerate() {
        let Ok(raw) = std::fs::read(&m.path) else {
            unreadable += 1;
            continue;
        };
        let outcome = host.filter(&view_of(&raw, &format!("test-{i}"), rcpt.clone()), &rcpt);
        let per_rcpt = match outcome.merged.per_recipient.get(&rcpt[0]) {
            Some(super::verdict::RcptOutcome::Continue { tags, .. }) => {
                tags.iter().any(|t| t == "spam")
            }
            Some(super::verdict::RcptOutcome::Reject(_)) => true,
            _ => false,
        };
        let tagged = per_rcpt || outcome.merged.tags.iter().any(|t| t == "spam");
        if tagged != m.spam {
            misclassified.push(Misclassified {
                path: m.path.clone(),
                spam: m.spam,
                score: outcome.merged.score,
            });
        }
        scored.push((outcome.merged.score, m.spam, tagged));
    }
    let filter_secs = started.elapsed().as_secs_f64();
    let test_spam = scored.iter().filter(|s| s.1).count();
    let test_ham = scored.len() - test_spam;
    let tp = scored.iter().filter(|s| s.1 && s.2).count();
    let fp = scored.iter().filter(|s| !s.1 && s.2).count();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    // ROC AUC: the chance that a random spam outscores a random ham (ties count half).
    let mut by_score = scored.clone();
    by_score.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
    let mut auc = 0.0;
    let mut i = 0;
    let mut hams_above = 0usize;
    while i < by_score.len() {
        let mut j = i;
        while j < by_score.len() && by_score[j].0 == by_score[i].0 {
            j += 1;
        }
        let (s, h) = by_score[i..j].iter().fold(
            (0, 0),
            |(s, h), x| if x.1 { (s + 1, h) } else { (s, h + 1) },
        );
        auc += s as f64 * ((test_ham - hams_above - h) as f64 + h as f64 / 2.0);
        hams_above += h;
        i = j;
    }
    let need = (0.97 * test_spam as f64).ceil() as usize;
    let (mut seen_spam, mut seen_ham, mut at) = (0, 0, (0.0, 0.0));
    for (score, spam, _) in &by_score {
        if *spam {
            seen_spam += 1;
        } else {
            seen_ham += 1;
        }
        if seen_spam >= need {
            at = (ratio(seen_ham, test_ham), *score);
            break;
        }
    }
    EvalReport {
        train_spam: train.iter().filter(|m| m.spam).count(),
        train_ham: train.iter().filter(|m| !m.spam).count(),
        test_spam,
        test_ham,
        true_positives: tp,
        false_positives: fp,
        precision: ratio(tp, tp + fp),
        recall: ratio(tp, test_spam),
        false_positive_rate: ratio(fp, test_ham),
        roc_auc: if test_spam == 0 || test_ham == 0 {
            0.0
        } else {
            auc / (test_spam as f64 * test_ham as f64)
        },
        fpr_at_recall_097: at.0,
        threshold_at_recall_097: at.1,
        passes: passes.max(1),
        learn_per_second,
        filter_per_second: scored.len() as f64 / filter_secs.max(1e-9),
        unreadable,
        misclassified,
    }
}

impl EvalReport {
    /// The misclassified messages, one per line.
    pub fn render_misclassified(&self) -> String {
        self.misclassified
            .iter()
            .map(|m| {
                format!(
                    "{} {:>5.1} {}\n",
                    if m.spam {
                        "missed spam   "
                    } else {
                        "false positive"
                    },
                    m.score,
                    m.path.display()
                )
            })
            .collect()
    }

    pub fn render(&self) -> String {
        format!(
            "trained on {} spam + {} ham ({} passes); tested on {} spam + {} ham\n\
             at the plugin's threshold: precision {:.4}  recall {:.4}  false positives {} = {:.3}% of ham\n\
             ROC AUC {:.5}\n\
             at recall 0.97: false-positive rate {:.3}% (score threshold {:.1})\n\
             throughput: learn {:.0} calls/s, filter {:.0} msg/s{}\n",
            self.train_spam,
            self.train_ham,
            self.passes,
            self.test_spam,
            self.test_ham,
            self.precision,
            self.recall,
            self.false_positives,
            100.0 * self.false_positive_rate,
            self.roc_auc,
            100.0 * self.fpr_at_recall_097,
            self.threshold_at_recall_097,
            self.learn_per_second,
            self.filter_per_second,
            if self.unreadable > 0 {
                format!("\n{} unreadable files skipped", self.unreadable)
            } else {
                String::new()
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_files() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("train.list");
        std::fs::write(&list, "# corpus\nspam a/1.eml\n\nham  b/2.eml\n").unwrap();
        let l = read_list(&list).unwrap();
        assert_eq!(l.len(), 2);
        assert!(l[0].spam && !l[1].spam);
        assert_eq!(l[1].path, dir.path().join("b/2.eml"));
        std::fs::write(&list, "junk x\n").unwrap();
        assert!(read_list(&list).unwrap_err().contains("unknown label"));
    }
}
