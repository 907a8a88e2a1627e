//! The `mailsift` binary: parse the command line, set up logging, run.

use clap::Parser;
use tracing_subscriber::EnvFilter;

use mailsift::cli::{Cli, Command};
use mailsift::config::Config;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Logging level comes from the config file; RUST_LOG overrides it. Admin commands only
    // show warnings so that their output stays clean for scripts.
    let (level, flush_ms) = match (&cli.command, Config::load(cli.config.as_deref())) {
        (Command::Serve, Ok(config)) => (config.log.level, config.log.flush_ms),
        _ => ("warn".to_string(), 0),
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    // The server's lines go out in batches from a flusher thread (`mailsift::logging`); admin
    // commands, which may exit at once, write each line directly. The guard lives to the end
    // of main (after the runtime, dropped before it), so what is buffered is written.
    let _flush_guard = if flush_ms > 0 {
        let (writer, guard) =
            mailsift::logging::buffered_stderr(std::time::Duration::from_millis(flush_ms))?;
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(writer)
            .with_ansi(ansi)
            .init();
        Some(guard)
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .init();
        None
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(mailsift::cli::run(cli))
}
