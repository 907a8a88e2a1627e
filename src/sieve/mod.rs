//! Sieve (RFC 5228 and extensions) with the sieve-rs crate: compiling and checking scripts
//! (`compile.rs`), and running them per recipient as the last stage of the pipeline
//! (`run.rs`). The rules for users' scripts (names, size, count, the active-script guard) are in
//! `scripts.rs`, which every door that manages scripts calls. Scripts are stored per account by the store (`store::sieve`) and managed over
//! ManageSieve (RFC 5804) or with `mailsift sieve`.

pub mod address;
pub mod cache;
pub mod compile;
pub mod dry_run;
pub mod identity;
pub mod run;
pub mod scripts;

pub use compile::{ScriptError, SieveLimits, check_script, compiler};
pub use run::{Filing, OutMessage, RecipientContext, SieveOutcome, SieveRunner};
