//! The `mailsift` binary: parse the command line, set up logging, run.

use clap::Parser;
use tracing_subscriber::EnvFilter;

use mailsift::cli::{Cli, Command};
use mailsift::config::Config;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Logging level comes from the config file; RUST_LOG overrides it. Admin commands only
    // show warnings so that their output stays clean for scripts.
    let level = match (&cli.command, Config::load(cli.config.as_deref())) {
        (Command::Serve, Ok(config)) => config.log.level,
        _ => "warn".to_string(),
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(mailsift::cli::run(cli))
}
