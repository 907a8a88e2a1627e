//! The `mailsift` binary: parse the command line, set up logging, run.

use clap::Parser;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;

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
    // A plain level (the config's usual "info") filters with a `LevelFilter`: the same lines
    // as an `EnvFilter` of that level, without the `EnvFilter`'s shared lock taken at every
    // span enter and exit (each poll of a session's future). RUST_LOG or directives: EnvFilter.
    let filter = match EnvFilter::try_from_default_env() {
        Ok(env) => Filter::Env(Box::new(env)),
        Err(_) => match level.to_ascii_lowercase().as_str() {
            // Only the level names: anything else (directives, numbers) is the EnvFilter's.
            "off" | "error" | "warn" | "info" | "debug" | "trace" => match level.parse() {
                Ok(l) => Filter::Level(l),
                Err(_) => Filter::Env(Box::new(EnvFilter::new(level))),
            },
            _ => Filter::Env(Box::new(EnvFilter::new(level))),
        },
    };
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    // The server's lines go out in batches from a flusher thread (`mailsift::logging`); admin
    // commands, which may exit at once, write each line directly. The guard lives to the end
    // of main (after the runtime, dropped before it), so what is buffered is written.
    let _flush_guard = if flush_ms > 0 {
        let (writer, guard) =
            mailsift::logging::buffered_stderr(std::time::Duration::from_millis(flush_ms))?;
        init_logging(writer, ansi, filter);
        Some(guard)
    } else {
        init_logging(std::io::stderr, ansi, filter);
        None
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(mailsift::cli::run(cli))
}

enum Filter {
    Env(Box<EnvFilter>),
    Level(LevelFilter),
}

fn init_logging<W>(writer: W, ansi: bool, filter: Filter)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(ansi);
    match filter {
        Filter::Env(f) => builder.with_env_filter(*f).init(),
        Filter::Level(l) => builder.with_max_level(l).init(),
    }
}
